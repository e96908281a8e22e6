import { describe, expect, it } from 'vitest';
import { actionLogEvent, messageEvent, messageEventJson } from '../../src/core/events.js';
import type { Message } from '../../src/core/model.js';
import { messageJson, messageView } from '../../src/http/presenters.js';
import { JsonText } from '../../src/http/reply.js';

describe('messageEventJson and messageJson (the send\'s event and answer)', () => {
  const base: Message = { groupId: '5a0a3c0e-7f1e-4c55-9a5e-2b1f0c3d4e5f', messageId: '6f1c2a10-cd3e-11ef-8000-0242ac120002',
    senderId: 1_000_000_000_001, payload: 'bench message', messageType: 'text', createdAt: 1_764_355_213_453_804 };
  const texts = ['', 'plain', 'quote " and backslash \\ and slash /', 'controls \u0000\u0001\b\f\n\r\t\u001f\u007f',
    'ünïcödé ✓ 中文', 'emoji 😀 pair', 'lone \ud800 high and \udfff low', 'line\u2028para\u2029sep', '{"json":"inside",[1,2]}',
    'x'.repeat(70_000)];

  it('writes what JSON.stringify writes of the message event, for any payload and type', () => {
    for (const text of texts) {
      for (const m of [{ ...base, payload: text }, { ...base, messageType: text }]) {
        expect(messageEventJson(m)).toBe(JSON.stringify(messageEvent(m)));
        expect(messageEventJson(m, 'action_log')).toBe(JSON.stringify(actionLogEvent(m)));
        expect(messageJson(m)).toBe(JSON.stringify(messageView(m)));
      }
    }
  });

  it('writes the numbers as JSON does, at their edges too', () => {
    for (const [senderId, createdAt] of [[0, 0], [Number.MAX_SAFE_INTEGER, 1], [1, 1_597_877_421_000_000], [7, 999_999],
      [7, 1_597_877_421_453_804], [7, 12_345], [7, Number.MAX_SAFE_INTEGER], [7, Number.NaN], [Number.POSITIVE_INFINITY, 5],
      [-0, -0], [1e21, 1e27], [7, -1_500_000.5], [7, 0.1]] as const) {
      const m = { ...base, senderId, createdAt };
      expect(messageEventJson(m)).toBe(JSON.stringify(messageEvent(m)));
      expect(messageEventJson(m, 'action_log')).toBe(JSON.stringify(actionLogEvent(m)));
      expect(JSON.parse(messageEventJson(m))).toEqual(JSON.parse(JSON.stringify(messageEvent(m))));
      expect(messageJson(m)).toBe(JSON.stringify(messageView(m)));
    }
  });

  it('falls back to JSON.stringify for fields that are not what a message holds, so the two still agree', () => {
    for (const odd of [{ payload: undefined }, { messageType: 5 }, { groupId: null }, { messageId: { toJSON: () => 'x' } }]) {
      const m = { ...base, ...odd } as unknown as Message;
      expect(messageEventJson(m)).toBe(JSON.stringify(messageEvent(m)));
      expect(messageJson(m)).toBe(JSON.stringify(messageView(m)));
    }
  });

  it('keeps an answer written as JSON its value when it is serialised again (an idempotent answer kept in Redis)', () => {
    const text = new JsonText(messageJson(base));
    expect(JSON.parse(JSON.stringify({ status: 200, body: text }))).toEqual({ status: 200, body: messageView(base) });
  });
});
