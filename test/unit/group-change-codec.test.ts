import { describe, expect, it } from 'vitest';
import { decodeChange, encodeChange, MAX_TOLD_PAYLOAD } from '../../src/changes/redis.js';

describe('group changes on the Redis channel', () => {
  const message = { groupId: 'g1', messageId: 'm1', senderId: 7, messageType: 'text', createdAt: 1_597_877_421_453_804, payload: '{"a":1}' };

  it('sends a plain change as the group id alone, as before last messages were told', () => {
    expect(encodeChange('g1')).toBe('g1');
    expect(decodeChange('g1')).toEqual({ groupId: 'g1' });
  });

  it('reads back a moved last message whole; a long one goes as a plain change', () => {
    expect(decodeChange(encodeChange('g1', message))).toEqual({ groupId: 'g1', lastMessage: message });
    expect(encodeChange('g1', { ...message, payload: 'x'.repeat(MAX_TOLD_PAYLOAD + 1) })).toBe('g1');
  });

  it('reads nothing from what Dino does not write (the listener then drops everything)', () => {
    for (const text of ['', '{', '{"group_id":"g1"}', '{"group_id":"g1","last_message":{"message_id":"m1"}}', '{"group_id":3,"last_message":{}}']) {
      expect(decodeChange(text)).toBeNull();
    }
  });
});
