import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { partitionKeys } from '../../src/redis/keys.js';
import { crc16, hashSlot, partitionTags, SLOTS } from '../../src/redis/slots.js';
import { redisTarget } from '../../src/redis/target.js';

describe('Redis Cluster slots and partition keys', () => {
  it('computes CRC16 and key slots as the Redis Cluster specification does', () => {
    expect(crc16('123456789')).toBe(0x31c3); // the specification's reference value
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('{user1000}.followers'));
    expect(hashSlot('foo{}{bar}')).toBe(crc16('foo{}{bar}') % SLOTS); // an empty first tag hashes the whole key
  });

  it('gives each of N partitions a tag in the k-th of N equal slot ranges, the same in every process', () => {
    for (const count of [2, 3, 5, 16]) {
      const tags = partitionTags('dino:broadcast', count);
      tags.forEach((tag, k) => {
        expect(hashSlot(`{${tag}}`)).toBeGreaterThanOrEqual(Math.floor((k * SLOTS) / count));
        expect(hashSlot(`{${tag}}`)).toBeLessThan(Math.floor(((k + 1) * SLOTS) / count));
      });
      expect(partitionTags('dino:broadcast', count)).toEqual(tags);
    }
  });

  it('keeps the plain key names for one partition on one server, and tags every key of a partition otherwise', () => {
    expect(partitionKeys({ stream: 's', partitions: 1, cluster: false })[0]!.seq('g')).toBe('s:seq:g');
    const [p0] = partitionKeys({ stream: 's', partitions: 1, cluster: true });
    const keys = [p0!.stream, p0!.seq('g'), p0!.done('g'), p0!.alive('node'), p0!.deadLetters];
    expect(new Set(keys.map(hashSlot)).size).toBe(1);
  });
});

describe('DINO_REDIS_URL for a cluster', () => {
  it('reads seed nodes and credentials from redis+cluster:// URLs', () => {
    expect(redisTarget('redis://127.0.0.1:6379/2')).toEqual({ cluster: false, url: 'redis://127.0.0.1:6379/2' });
    expect(redisTarget('rediss+cluster://dino:s%40cret@10.0.0.1:7000,10.0.0.2')).toEqual({
      cluster: true, tls: true, username: 'dino', password: 's@cret',
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 6379 }],
    });
  });

  it('refuses at start-up a cluster URL with a database, and partitions out of range, naming the variable', () => {
    expect(() => loadConfig({ DINO_REDIS_URL: 'redis+cluster://127.0.0.1:7000/1' })).toThrow(/DINO_REDIS_URL/);
    expect(() => loadConfig({ DINO_REDIS_URL: 'redis://127.0.0.1', DINO_STREAM_PARTITIONS: '0' })).toThrow(/DINO_STREAM_PARTITIONS/);
    expect(() => loadConfig({ DINO_REDIS_URL: 'redis://127.0.0.1', DINO_STREAM: 'a{b}' })).toThrow(/DINO_STREAM/);
    expect(loadConfig({ DINO_REDIS_URL: 'redis+cluster://127.0.0.1:7000', DINO_STREAM_PARTITIONS: '3' }).redis!.partitions).toBe(3);
  });
});
