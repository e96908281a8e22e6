import { describe, expect, it } from 'vitest';
import { api } from '../support/dino-process.js';
import { dinoForSuite } from '../support/dino-suite.js';

const PACKET_LIMIT = 4096;

/** An event that cannot fit in one MQTT packet is refused by the REST call, not by every delivery later. */
describe(`events over the MQTT packet limit (DINO_MQTT_MAX_PACKET_SIZE=${PACKET_LIMIT})`, () => {
  const suite = dinoForSuite({ DINO_MQTT_MAX_PACKET_SIZE: String(PACKET_LIMIT) });

  it('refuses a message whose event would not fit with 413 (615) naming the limit, and keeps nothing', async () => {
    const group = await api(suite.dino.base, 'POST', '/v1/users/1/groups/create', { group_name: 'g', users: [2] });
    const path = `/v1/groups/${group.body.group_id}/user/1/send`;
    const refused = await api(suite.dino.base, 'POST', path, { message_payload: 'é'.repeat(PACKET_LIMIT / 2), message_type: 'text' });
    expect(refused.status).toBe(413);
    expect(refused.body.code).toBe(615);
    expect(refused.body.detail).toMatch(/DINO_MQTT_MAX_PACKET_SIZE/);
    const history = await api(suite.dino.base, 'POST', `/v1/groups/${group.body.group_id}/user/2/histories`, { per_page: 10 });
    expect(history.body.messages).toEqual([]);
    const fits = await api(suite.dino.base, 'POST', path, { message_payload: 'x'.repeat(PACKET_LIMIT / 2), message_type: 'text' });
    expect(fits.status).toBe(200);
  });

  it('refuses a notification whose data would not fit', async () => {
    const big = { event_type: 'custom', notification: [{ user_ids: [1, 2], data: { blob: 'x'.repeat(PACKET_LIMIT) } }] };
    const refused = await api(suite.dino.base, 'POST', '/v1/notification/send', big);
    expect(refused.status).toBe(413);
    expect(refused.body.code).toBe(615);
  });
});
