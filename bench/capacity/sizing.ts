/**
 * Turns measured per-process costs into a cluster size for a target load. Every input is either measured by
 * bench/capacity.ts or an assumption named here; docs/capacity.md explains each.
 */

/** Figures measured on this machine (bench/capacity.ts), medians. */
export interface MeasuredCosts {
  /** Deliveries per CPU-second of a `dino fanout` process (all its threads). */
  fanoutDeliveriesPerCoreSec: number;
  /** Deliveries per CPU-second of Mosquitto (one thread). */
  brokerDeliveriesPerCoreSec: number;
  /** Redis CPU µs per group-message broadcast: queueing it (API) plus consuming it (fan-out), INFO cpu. */
  redisUsecPerBroadcast: number;
  /** Bytes a group-message broadcast holds in the stream until it is trimmed. */
  streamBytesPerBroadcast: number;
  /** Raw prepared inserts per CPU-second of one Cassandra node. */
  cassandraInsertsPerCoreSec: number;
}

/** What is assumed, not measured here. */
export interface Assumptions {
  onlineUsers: number;
  deliveriesPerSec: number;
  /** Average recipients per broadcast (group size): turns deliveries/s into broadcasts/s and sends/s. */
  recipientsPerBroadcast: number;
  /** Share of a core a process may use at peak: headroom for bursts, GC and a node lost. */
  utilisation: number;
  coresPerFanoutPod: number;
  coresPerBrokerNode: number;
  /** Connections one broker node holds (memory, file descriptors); vendor figures, not measured here. */
  connectionsPerBrokerNode: number;
  /** Broker CPU per delivery relative to Mosquitto's (a clustered broker routes between nodes). */
  brokerCostFactor: number;
  coresPerCassandraNode: number;
  /** Rows written per send (message row; group last-message; sender read mark) and replication factor. */
  rowsPerSend: number;
  replicationFactor: number;
  /** Seconds of broadcasts the stream holds (backlog while fan-out catches up). */
  streamBacklogSec: number;
}

export interface SizingRow {
  part: string;
  count: number;
  why: string;
}

const atLeast = (n: number, min: number) => Math.max(min, Math.ceil(n));

export function size(m: MeasuredCosts, a: Assumptions): SizingRow[] {
  const broadcastsPerSec = a.deliveriesPerSec / a.recipientsPerBroadcast;
  const fanoutCores = a.deliveriesPerSec / m.fanoutDeliveriesPerCoreSec / a.utilisation;
  const brokerCores = (a.deliveriesPerSec * a.brokerCostFactor) / m.brokerDeliveriesPerCoreSec / a.utilisation;
  const brokerByCpu = brokerCores / a.coresPerBrokerNode;
  const brokerByConnections = a.onlineUsers / a.connectionsPerBrokerNode;
  // A Redis partition is one master, which runs commands on one thread: one core each.
  const redisCores = (broadcastsPerSec * m.redisUsecPerBroadcast) / 1e6 / a.utilisation;
  const replicaWritesPerSec = broadcastsPerSec * a.rowsPerSend * a.replicationFactor;
  const cassandraCores = replicaWritesPerSec / m.cassandraInsertsPerCoreSec / a.utilisation;
  const round = (n: number) => Math.round(n * 10) / 10;
  return [
    { part: 'dino fanout pods', count: atLeast(fanoutCores / a.coresPerFanoutPod, 2),
      why: `${a.deliveriesPerSec} deliveries/s ÷ ${Math.round(m.fanoutDeliveriesPerCoreSec)} per core ÷ ${a.utilisation} = ${round(fanoutCores)} cores, ${a.coresPerFanoutPod} per pod` },
    { part: 'MQTT broker nodes', count: atLeast(Math.max(brokerByCpu, brokerByConnections), 2),
      why: `CPU: ${round(brokerCores)} cores (${a.brokerCostFactor}× Mosquitto's cost) = ${round(brokerByCpu)} nodes of ${a.coresPerBrokerNode}; `
        + `connections: ${a.onlineUsers} ÷ ${a.connectionsPerBrokerNode} = ${round(brokerByConnections)} nodes` },
    { part: 'Redis partitions (masters)', count: atLeast(redisCores, 1),
      why: `${Math.round(broadcastsPerSec)} broadcasts/s × ${Math.round(m.redisUsecPerBroadcast)} µs ÷ ${a.utilisation} = ${round(redisCores)} cores; `
        + `stream memory ${Math.round((broadcastsPerSec * a.streamBacklogSec * m.streamBytesPerBroadcast) / 2 ** 20)} MiB for ${a.streamBacklogSec} s of backlog` },
    { part: 'Cassandra nodes', count: atLeast(cassandraCores / a.coresPerCassandraNode, a.replicationFactor),
      why: `${Math.round(broadcastsPerSec)} sends/s × ${a.rowsPerSend} rows × RF ${a.replicationFactor} = ${Math.round(replicaWritesPerSec)} replica writes/s ÷ `
        + `${Math.round(m.cassandraInsertsPerCoreSec)} per core ÷ ${a.utilisation} = ${round(cassandraCores)} cores, ${a.coresPerCassandraNode} per node` },
  ];
}
