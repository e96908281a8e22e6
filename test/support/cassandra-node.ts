import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/cassandra/cassandra.sh', import.meta.url));
/** The Java the script pins (Cassandra 5.0 runs on 11 or 17 only). */
export const JAVA_17 = '/usr/lib/jvm/java-17-openjdk-amd64/bin/java';

export interface CassandraNode {
  contactPoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** Runs scripts/cassandra/cassandra.sh `command` for the node of `env`; resolves with its exit code and output. */
function script(command: 'start' | 'stop', env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [SCRIPT, command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', (err) => resolve({ code: null, output: err.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/**
 * A throw-away single node on two free loopback ports (CQL, storage), its data and logs in `runDir`. `stop()` ends
 * it through the script, which kills only the pid it wrote, and deletes `runDir`.
 */
export async function startCassandra(runDir: string): Promise<CassandraNode> {
  if (!existsSync(JAVA_17)) throw new Error(`Java 17 is not installed (${JAVA_17})`);
  const cql = await freePort();
  let storage = await freePort();
  while (storage === cql) storage = await freePort();
  const env = { ...process.env, CASSANDRA_RUN_DIR: runDir, CASSANDRA_CQL_PORT: String(cql), CASSANDRA_STORAGE_PORT: String(storage) };
  const stop = async () => {
    const stopped = await script('stop', env);
    if (stopped.code !== 0) console.warn(`cassandra.sh stop (run dir ${runDir}) exited ${stopped.code}:\n${stopped.output}`);
  };
  const started = await script('start', env);
  const pidFile = join(runDir, 'cassandra.pid');
  const tail = started.output.trim().split('\n').slice(-40).join('\n');
  if (started.code !== 0 || !existsSync(pidFile)) {
    await stop();
    throw new Error(started.code !== 0 ? `cassandra.sh start exited ${started.code}:\n${tail}`
      : `port ${cql} was taken by something else before the node could bind it:\n${tail}`);
  }
  return { contactPoint: `127.0.0.1:${cql}`, pid: Number(readFileSync(pidFile, 'utf8').trim()), stop };
}
