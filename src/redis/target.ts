/**
 * Where Redis is, from DINO_REDIS_URL: one server (`redis://`, `rediss://`, as ioredis reads them) or a Redis Cluster,
 * named by one or more of its nodes (`redis+cluster://[user:password@]host:port[,host:port…]`, `rediss+cluster://`
 * for TLS); the client finds the other nodes and the slot map itself. Kept free of ioredis so config.ts can validate.
 */
export type RedisTarget =
  | { cluster: false; url: string }
  | { cluster: true; nodes: Array<{ host: string; port: number }>; username?: string; password?: string; tls: boolean };

const CLUSTER = /^(rediss?)\+cluster:\/\/(.*)$/i;

export const isClusterUrl = (url: string): boolean => CLUSTER.test(url);

/** The target a URL names; throws with the reason for a cluster URL it cannot read. */
export function redisTarget(url: string): RedisTarget {
  const match = CLUSTER.exec(url);
  if (!match) return { cluster: false, url };
  const [, scheme, rest] = match as unknown as [string, string, string];
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const hostList = (at >= 0 ? rest.slice(at + 1) : rest).replace(/\/$/, '');
  if (hostList === '' || hostList.includes('/')) throw new Error('expected redis+cluster://host:port[,host:port…] (no database: a cluster has only 0)');
  const nodes = hostList.split(',').map((hostPort) => {
    const node = new URL(`redis://${hostPort.trim()}`);
    return { host: node.hostname.replace(/^\[|\]$/g, ''), port: Number(node.port || 6379) };
  });
  const [username, password] = auth === '' ? [] : auth.includes(':') ? [auth.slice(0, auth.indexOf(':')), auth.slice(auth.indexOf(':') + 1)] : [undefined, auth];
  return {
    cluster: true, nodes, tls: scheme.toLowerCase() === 'rediss',
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password !== undefined ? { password: decodeURIComponent(password) } : {}),
  };
}

/** Whether `url` is a Redis URL Dino can use: one server's or a cluster's. */
export function isRedisUrl(url: string): boolean {
  try {
    if (isClusterUrl(url)) return redisTarget(url).cluster;
    return ['redis:', 'rediss:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}
