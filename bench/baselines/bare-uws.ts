/**
 * The HTTP ceiling: a bare uWebSockets.js server (the native binary, loaded as Dino loads it) in its own process,
 * with the two routes Dino's is compared on. A POST reads the body, parses the JSON, checks the field the route needs and
 * answers with a response of the size Dino's has; a GET answers a group-sized JSON. No storage, queue or
 * validation library: what is left is the HTTP and JSON work any endpoint does. A third route, `…/send-stored`, is
 * the POST plus the least a send on embedded SQLite must store before it answers (raw-sqlite-send.ts).
 *
 * Imported, it starts that server as a child process; forked with --serve-bare-uws, it is that server.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { RawSqliteSends } from './raw-sqlite-send.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BareUws {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export function startBareUws(): Promise<BareUws> {
  const child = fork(SELF, ['--serve-bare-uws'], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    void exited.then(() => reject(new Error('bare uWS server exited before listening')));
    child.once('message', (message: { port: number }) => resolve({
      port: message.port, pid: child.pid!,
      async stop() {
        child.kill('SIGTERM');
        await exited;
      },
    }));
  });
}

const GROUP = {
  group_id: randomUUID(), name: 'bench', description: null, status: 0, group_type: 0, owner_id: 1_000_000_000_001, meta: null,
  created_at: 1597877421.453804, updated_at: 1597877421.453804, last_message_time: 1597877421.453804,
  last_message_id: randomUUID(), last_message_user_id: 1_000_000_000_001, last_message_type: 'text',
  last_message_overview: 'bench message', user_count: 3, users: [1_000_000_000_001, 1_000_000_000_002, 1_000_000_000_003],
};

async function serve(): Promise<void> {
  const { uws } = await import('../../src/http/uws.js');
  type Response = import('../../src/http/uws.js').HttpResponse;
  const answer = (res: Response, status: string, body: unknown) => res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify(body));
  });
  /** Reads the body, parses it and answers with what `respond(parsed)` gives (or resolves with), or 400 when it fails. */
  const post = (respond: (body: Record<string, unknown>, params: string[]) => unknown, status: string) =>
    (res: Response, req: import('../../src/http/uws.js').HttpRequest) => {
      const params = [req.getParameter(0) ?? '', req.getParameter(1) ?? ''];
      let aborted = false;
      res.onAborted(() => (aborted = true));
      const chunks: Buffer[] = [];
      res.onData((chunk, isLast) => {
        chunks.push(Buffer.from(chunk.slice(0)));
        if (!isLast || aborted) return;
        const refuse = () => !aborted && answer(res, '400 Bad Request', { code: 605, detail: '605: invalid parameters' });
        try {
          const answered = respond(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, params);
          if (!(answered instanceof Promise)) return void answer(res, status, answered);
          answered.then((body) => !aborted && answer(res, status, body), refuse);
        } catch {
          refuse();
        }
      });
    };
  const message = (body: Record<string, unknown>, [groupId, userId]: string[]) => ({
    group_id: groupId!, message_id: randomUUID(), user_id: Number(userId), message_payload: String(body.message_payload),
    message_type: String(body.message_type), created_at: Date.now() / 1000,
  });
  const stored = RawSqliteSends.open();
  let tick = 0;
  const app = uws.App()
    .post('/v1/groups/:group_id/user/:user_id/send', post(message, '200 OK'))
    .post('/v1/groups/:group_id/user/:user_id/send-stored', post(async (body, params) => {
      const m = message(body, params);
      const row = { groupId: m.group_id, createdAt: Date.now() * 1000 + (tick++ % 1000), messageId: m.message_id, senderId: m.user_id,
        messageType: m.message_type, payload: m.message_payload };
      await stored.save(row, JSON.stringify({ event_type: 'message', ...m }));
      return m;
    }, '200 OK'))
    .get('/v1/groups/:group_id', (res) => void answer(res, '200 OK', GROUP));
  const stop = () => {
    stored.close();
    process.exit(0);
  };
  app.listen('127.0.0.1', 0, (socket) => {
    if (!socket) throw new Error('bare uWS: cannot listen');
    process.send!({ port: uws.us_socket_local_port(socket) });
  });
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
}

if (process.argv.includes('--serve-bare-uws')) await serve();
