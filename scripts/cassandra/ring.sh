#!/usr/bin/env bash
# A throw-away 3-node Apache Cassandra 5.0 ring on loopback: node N listens on 127.0.0.N (N = 1, 2, 3), each a
# scripts/cassandra/cassandra.sh node with its own run dir, its own token and a small heap.
#
#   bash scripts/cassandra/ring.sh start    # start the ring and wait until every node sees the other two (idempotent);
#                                           # if part of it is up, bring the nodes that are down back with their data
#   bash scripts/cassandra/ring.sh status   # one line per node "N 127.0.0.N:port up|down pid"; exit 0 if all are up
#   bash scripts/cassandra/ring.sh pid N    # pid of node N's java (for a test that kills or freezes it)
#   bash scripts/cassandra/ring.sh stop     # stop our three nodes (by pid file) and delete the ring's run dir
#
# Env:
#   CASSANDRA_RING_DIR           run dirs node1..node3; default <repo>/.cassandra-ring
#   CASSANDRA_RING_CQL_PORT      CQL port on each address, default 9142
#   CASSANDRA_RING_STORAGE_PORT  internode port on each address, default 7100
#   CASSANDRA_RING_HEAP          heap of each node (-Xms = -Xmx), default 768M
#
# The ports differ from the single node's (9042 / 7000 on 127.0.0.1) and so does the cluster name, so a ring and the
# single node the tests use run side by side and never gossip with each other. The node on 127.0.0.1 is the seed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
RING="${CASSANDRA_RING_DIR:-$REPO/.cassandra-ring}"
CQL_PORT="${CASSANDRA_RING_CQL_PORT:-9142}"
STORAGE_PORT="${CASSANDRA_RING_STORAGE_PORT:-7100}"
HEAP="${CASSANDRA_RING_HEAP:-768M}"
NODES=(1 2 3)
# Murmur3 tokens a third of the ring apart: each node owns as much as the others, with one token each (num_tokens 1).
TOKENS=(-9223372036854775808 -3074457345618258603 3074457345618258602)

# cassandra.sh makes the system tables non-durable for a quick single node; a ring node is killed and restarted, and
# without these it came back from kill -9 without the keyspaces created before (reads then failed on it until it
# pulled the schema again).
DURABLE_SCHEMA="-Dcassandra.unsafesystem=false -Dcassandra.test.flush_local_schema_changes=true"

log() { echo "[ring] $*" >&2; }

host_of() { echo "127.0.0.$1"; }

# Runs cassandra.sh for node $1 with the rest of the arguments.
node_do() {
  local n="$1"
  shift
  CASSANDRA_RUN_DIR="$RING/node$n" CASSANDRA_HOST="$(host_of "$n")" \
    CASSANDRA_CQL_PORT="$CQL_PORT" CASSANDRA_STORAGE_PORT="$STORAGE_PORT" \
    CASSANDRA_SEEDS="$(host_of 1):$STORAGE_PORT" CASSANDRA_INITIAL_TOKEN="${TOKENS[$((n - 1))]}" \
    CASSANDRA_CLUSTER_NAME=dino-ring \
    CASSANDRA_JVM_OPTS="-Xms$HEAP -Xmx$HEAP $DURABLE_SCHEMA ${CASSANDRA_JVM_OPTS:-}" \
    bash "$HERE/cassandra.sh" "$@"
}

node_up() { node_do "$1" status >/dev/null 2>&1; }

node_pid() { tr -dc '0-9' <"$RING/node$1/cassandra.pid" 2>/dev/null || true; }

# True once every node answers CQL and, seen from node 1, has the two others as peers, all up.
ring_formed() {
  (cd "$REPO" && timeout 30 node -e "
const { Client } = require('cassandra-driver');
// protocolOptions.port: the driver finds the other nodes at that port (9042 if not told).
const c = new Client({ contactPoints: ['$(host_of 1):$CQL_PORT'], localDataCenter: 'datacenter1', protocolOptions: { port: $CQL_PORT },
  socketOptions: { connectTimeout: 3000, readTimeout: 8000 } });
c.connect()
  .then(() => c.execute('SELECT peer FROM system.peers_v2'))
  .then((r) => {
    const up = c.hosts.values().filter((h) => h.isUp()).length;
    console.log('peers ' + r.rows.length + ', hosts up ' + up);
    return c.shutdown().then(() => process.exit(r.rows.length === 2 && up === 3 ? 0 : 1));
  })
  .catch(() => process.exit(1));
") >&2
}

cmd_start() {
  local n any_up=0 pids=() failed=0
  for n in "${NODES[@]}"; do node_up "$n" && any_up=1; done
  # A ring partly up keeps its data: a node coming back must not come back empty.
  local keep=0
  if [[ $any_up == 1 ]]; then keep=1; else rm -rf "$RING"; fi
  mkdir -p "$RING"
  # The seed first: the others join through it.
  if ! node_up 1; then CASSANDRA_KEEP_DATA=$keep node_do 1 start; fi
  for n in "${NODES[@]:1}"; do
    if node_up "$n"; then continue; fi
    CASSANDRA_KEEP_DATA=$keep node_do "$n" start &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || failed=1; done
  [[ $failed == 0 ]] || { log "a node did not start; '$0 stop' cleans up"; exit 1; }
  local i
  for ((i = 0; i < 120; i++)); do
    if ring_formed; then
      log "ring up: $(host_of 1), $(host_of 2), $(host_of 3) on CQL port $CQL_PORT"
      return 0
    fi
    sleep 1
  done
  log "the nodes answer but do not see each other after 120 s"
  exit 1
}

cmd_stop() {
  local n pids=()
  for n in "${NODES[@]}"; do
    node_do "$n" stop &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || true; done
  rm -rf "$RING"
}

cmd_status() {
  local n all=0
  for n in "${NODES[@]}"; do
    if node_up "$n"; then echo "$n $(host_of "$n"):$CQL_PORT up $(node_pid "$n")"; else
      echo "$n $(host_of "$n"):$CQL_PORT down"
      all=1
    fi
  done
  return $all
}

cmd_pid() {
  local n="${1:-}"
  [[ "$n" =~ ^[123]$ ]] || { echo "usage: $0 pid 1|2|3" >&2; exit 2; }
  local pid
  pid="$(node_pid "$n")"
  [[ -n "$pid" ]] || { log "node $n has no pid file"; exit 1; }
  echo "$pid"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  pid) cmd_pid "${2:-}" ;;
  *) echo "usage: $0 start|stop|status|pid N" >&2; exit 2 ;;
esac
