import { api } from '../../test/support/dino-process.js';
import { httpLoad } from '../load/http-load.js';
import { uniqueUserIds } from './ids.js';

/**
 * The send probes' load: a new group of three (the ingest bench's shape: the sender and two others), and a closed
 * loop of `connections` callers sending `amount` messages into it (undefined: as many as `seconds` allow).
 */
export async function groupSendLoad(base: string, connections: number) {
  const [sender, ...others] = uniqueUserIds(3) as [number, ...number[]];
  const created = await api(base, 'POST', `/v1/users/${sender}/groups/create`, { group_name: 'bench', users: others });
  if (created.status !== 200) throw new Error(`group create: ${created.status} ${JSON.stringify(created.body)}`);
  const url = `${base}/v1/groups/${created.body.group_id as string}/user/${sender}/send`;
  const body = JSON.stringify({ message_payload: 'bench message', message_type: 'text' });
  return (amount: number | undefined, label: string, seconds = 600) =>
    httpLoad({ url, method: 'POST', body, connections, seconds, label, ...(amount === undefined ? {} : { amount }) });
}
