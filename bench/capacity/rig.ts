/**
 * The capacity bench's own Redis and Mosquitto (free loopback ports, nobody else's traffic, so their CPU time is
 * ours alone) and a `dino server` on them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { LocalServer, MOSQUITTO, REDIS_SERVER, redisUrlOf, startMosquitto, startRedis } from '../../test/support/local-server.js';
import { launchDino, type BenchDino } from '../support/dino.js';
import { randomTag } from '../support/ids.js';
import { cpuSeconds } from '../support/proc.js';

export class CapacityRig {
  readonly tag = randomTag();
  readonly prefix = `cap/${this.tag}/`;
  readonly stream = `dino:cap:${this.tag}`;
  private constructor(readonly dir: string, readonly redis: LocalServer, readonly mosquitto: LocalServer, readonly admin: Redis) {}

  static async start(): Promise<CapacityRig> {
    if (!REDIS_SERVER || !MOSQUITTO) throw new Error('the capacity bench needs the redis-server and mosquitto binaries');
    const dir = mkdtempSync(join(tmpdir(), 'dino-capacity-'));
    const [redis, mosquitto] = await Promise.all([startRedis(REDIS_SERVER, join(dir, 'redis')), startMosquitto(MOSQUITTO, join(dir, 'mosquitto'))]);
    return new CapacityRig(dir, redis, mosquitto, new Redis(redisUrlOf(redis)));
  }

  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.mosquitto.port}`;
  }

  /** The settings of every Dino process of the rig; `stream` picks a stream of its own. */
  env(stream = this.stream): Record<string, string> {
    return { DINO_REDIS_URL: redisUrlOf(this.redis), DINO_STREAM: stream, DINO_STREAM_GROUP: `${stream}:group`,
      DINO_MQTT_URL: this.mqttUrl, DINO_MQTT_TOPIC_PREFIX: this.prefix, DINO_STREAM_MAXLEN: '5000000' };
  }

  launch(command: 'server' | 'fanout', extra: Record<string, string> = {}, stream?: string): Promise<BenchDino> {
    return launchDino(command, { ...this.env(stream), ...extra });
  }

  /** CPU seconds so far of each process given, by name. */
  static cpu(pids: Record<string, number>): Record<string, number> {
    return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  }

  async close(): Promise<void> {
    this.admin.disconnect();
    await Promise.all([this.redis.stop(), this.mosquitto.stop()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** CPU seconds redis-server has used (user + system, µs precision: /proc counts in 10 ms ticks). */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** The Redis commands run between two calls, from INFO commandstats: calls and server CPU µs per command. */
export async function commandStats(redis: Redis): Promise<Record<string, { calls: number; usec: number }>> {
  const info = await redis.info('commandstats');
  const stats: Record<string, { calls: number; usec: number }> = {};
  for (const [, name, calls, usec] of info.matchAll(/^cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/gm)) {
    stats[name!] = { calls: Number(calls), usec: Number(usec) };
  }
  return stats;
}
