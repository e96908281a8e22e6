import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort, portOpen } from './net.js';
import { sleep } from './wait.js';

/** The path of an executable: `name` on PATH, else the first of `fallbacks` that exists; undefined if none. */
export function findExecutable(name: string, ...fallbacks: string[]): string | undefined {
  const candidates = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name)), ...fallbacks];
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const REDIS_SERVER = findExecutable('redis-server', '/usr/bin/redis-server');
export const MOSQUITTO = findExecutable('mosquitto', '/usr/sbin/mosquitto');

/**
 * A server binary of our own on a free 127.0.0.1 port, with its own directory (for its files and its log). Stopped
 * by the pid we started, never by name. `restart()` keeps port and directory.
 */
export class LocalServer {
  private child: ChildProcess | null = null;

  private constructor(readonly name: string, readonly port: number, readonly dir: string,
    private readonly command: string, private readonly args: (port: number) => string[]) {}

  /** Starts it; a port somebody took in the meantime is retried with another one. */
  static async start(name: string, dir: string, command: string, args: (port: number) => string[]): Promise<LocalServer> {
    mkdirSync(dir, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const server = new LocalServer(name, await freePort(), dir, command, args);
      try {
        await server.launch();
        return server;
      } catch (err) {
        await server.stop();
        if (attempt >= 3) throw err;
      }
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async restart(): Promise<void> {
    await this.stop();
    await sleep(200);
    await this.launch();
  }

  /** SIGTERM, SIGKILL after 10 s; resolves once it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private async launch(): Promise<void> {
    const logFile = join(this.dir, `${this.name}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn(this.command, this.args(this.port), { cwd: this.dir, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    if (child.pid) writeFileSync(join(this.dir, `${this.name}.pid`), `${child.pid}\n`); // for the run's watchdog
    const failed = new Promise<string>((resolve) => {
      child.once('error', (err) => resolve(err.message));
      child.once('exit', (code, signal) => resolve(`exited with ${code ?? signal}`));
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ended = await Promise.race([failed, sleep(25).then(() => undefined)]);
      const tail = () => readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n');
      if (ended) throw new Error(`${this.name} on port ${this.port} ${ended}:\n${tail()}`);
      if (await portOpen('127.0.0.1', this.port, 200)) return;
      if (Date.now() > deadline) throw new Error(`${this.name} did not listen on port ${this.port} within 10 s:\n${tail()}`);
    }
  }
}

/** redis-server without persistence unless `appendOnly` (then every write is fsynced before it is answered). */
export function startRedis(redisServer: string, dir: string, { appendOnly = false } = {}): Promise<LocalServer> {
  return LocalServer.start('redis-server', dir, redisServer, (port) => ['--port', String(port), '--bind', '127.0.0.1',
    '--save', '', '--appendonly', appendOnly ? 'yes' : 'no', '--appendfsync', 'always', '--dir', dir]);
}

/** Mosquitto 2 with anonymous access on loopback, sessions in memory only. */
export function startMosquitto(mosquitto: string, dir: string): Promise<LocalServer> {
  return LocalServer.start('mosquitto', dir, mosquitto, (port) => {
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false',
      'log_dest stderr', 'log_type error', 'log_type warning', ''].join('\n'));
    return ['-c', conf];
  });
}

export const redisUrlOf = (server: LocalServer) => `redis://127.0.0.1:${server.port}`;
