import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/dino.js', import.meta.url));

export interface DinoProcess {
  child: ChildProcess;
  httpPort: number;
  mqttPort?: number;
  mqttWsPort?: number;
  base: string;
  logs: string[];
  /** SIGTERM, then waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs the real `dino` command (the built CLI) as a child process with free ports, and resolves once its start-up
 * log line reports the bound ports.
 */
export function startDino(command: 'start' | 'server' | 'fanout', env: Record<string, string>, nodeArgs: string[] = []): Promise<DinoProcess> {
  // nodeArgs: flags for node itself, e.g. --cpu-prof (which NODE_OPTIONS does not accept).
  const child = spawn(process.execPath, [...nodeArgs, BIN, command], {
    env: { ...process.env, DINO_HTTP_PORT: '0', DINO_MQTT_PORT: '0', DINO_MQTT_WS_PORT: '0', DINO_HTTP_HOST: '127.0.0.1', DINO_MQTT_HOST: '127.0.0.1', DINO_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  // The most recent lines only: a process under load may log without end.
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > 2000) logs.splice(0, 1000);
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`dino ${command} did not start in time:\n${logs.join('\n')}`));
    }, 30_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`dino ${command} exited with ${code} before it was up:\n${logs.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      if (!line.includes('"dino is up"')) return;
      clearTimeout(timer);
      const up = JSON.parse(line) as { http?: number; mqtt?: number; mqttWs?: number };
      resolve({ child, httpPort: up.http ?? 0, mqttPort: up.mqtt, mqttWsPort: up.mqttWs, base: `http://127.0.0.1:${up.http}`, logs, stop });
    });
  });
}

/** Starts several `dino` processes at once; should one fail to start, those that did are stopped before it throws. */
export async function startDinos(...specs: Array<Parameters<typeof startDino>>): Promise<DinoProcess[]> {
  const results = await Promise.allSettled(specs.map((spec) => startDino(...spec)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return results.map((r) => (r as PromiseFulfilledResult<DinoProcess>).value);
  await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  throw failed.reason;
}

export const isRunning = (p: DinoProcess) => p.child.exitCode === null && p.child.signalCode === null;

/** Calls the REST API and returns status and parsed body. */
export async function api(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: response.status, body: json };
}

/** Runs a `dino` command that ends by itself (`migrate`, `retention`) to its exit: its code, stdout and stderr lines. */
export function runDinoCommand(args: string[], env: Record<string, string>): Promise<{ code: number | null; lines: string[]; errors: string[] }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DINO_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'] });
  const [lines, errors]: string[][] = [[], []];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => errors.push(line));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, lines, errors }));
  });
}
