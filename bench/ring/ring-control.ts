/** scripts/cassandra/ring.sh from a bench: start, stop, the pid of a node, and whether each node answers. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/cassandra/ring.sh', import.meta.url));
export const RING_CQL_PORT = Number(process.env.CASSANDRA_RING_CQL_PORT ?? 9142);
export const RING_HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'] as const;
export const RING_CONTACT_POINTS = RING_HOSTS.map((h) => `${h}:${RING_CQL_PORT}`).join(',');

/** Runs `ring.sh <args>`; resolves with its exit code and output (stdout and stderr). */
export function ringScript(...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', (err) => resolve({ code: null, output: err.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** `ring.sh start`, failing with its output. */
export async function startRing(): Promise<void> {
  const started = await ringScript('start');
  if (started.code !== 0) throw new Error(`ring.sh start failed:\n${started.output}`);
}

export async function ringUp(): Promise<boolean> {
  return (await ringScript('status')).code === 0;
}

export async function nodePid(node: 1 | 2 | 3): Promise<number> {
  const { code, output } = await ringScript('pid', String(node));
  const pid = Number(output.trim());
  if (code !== 0 || !Number.isInteger(pid)) throw new Error(`ring.sh pid ${node}: ${output}`);
  return pid;
}
