/**
 * The CQL port the driver uses for every node. cassandra-driver reaches the nodes it discovers (system.peers) at
 * `protocolOptions.port`, 9042 unless told, whatever port the contact points name: a cluster on another port would
 * be used through its contact points only, and a node lost there would leave Dino without storage.
 */
export const DEFAULT_CQL_PORT = 9042;

/** The one port the contact points name (all that name one must agree: see config.ts), else 9042. */
export function cqlPort(contactPoints: string[]): number {
  for (const point of contactPoints) {
    const port = /:(\d{1,5})$/.exec(point)?.[1];
    if (port !== undefined) return Number(port);
  }
  return DEFAULT_CQL_PORT;
}

/** True if the contact points that name a port all name the same one. */
export function oneCqlPort(contactPoints: string[]): boolean {
  return new Set(contactPoints.flatMap((p) => /:(\d{1,5})$/.exec(p)?.[1] ?? [])).size <= 1;
}
