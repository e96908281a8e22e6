#!/usr/bin/env bash
# Single-node throw-away Apache Cassandra 5.0 on loopback (127.0.0.1:9042 by default), run from Maven Central jars.
#
#   bash scripts/cassandra/cassandra.sh start    # fetch jars if needed, start, wait for CQL (idempotent)
#   bash scripts/cassandra/cassandra.sh status   # prints "up" and exits 0 if the CQL port answers
#   bash scripts/cassandra/cassandra.sh stop     # stop the node we started (by pid file), delete the run dir
#
# Env:
#   CASSANDRA_RUN_DIR        run dir (data, logs, generated cassandra.yaml, cassandra.pid); default
#                            <repo>/.cassandra-run. Wiped on start (unless CASSANDRA_KEEP_DATA=1) and stop.
#   CASSANDRA_CQL_PORT       CQL (native transport) port, default 9042
#   CASSANDRA_STORAGE_PORT   internode (gossip) port, default 7000; also the node's own seed. These two are the only
#                            ports the node binds (JMX stays off: no jmx port property is set), so a second node with
#                            its own run dir and two other ports runs beside the first.
#   CASSANDRA_HOST           listen and CQL address, default 127.0.0.1 (any 127.x.y.z: Linux routes all of 127/8 to lo)
#   CASSANDRA_SEEDS          the seed list, default "$CASSANDRA_HOST:$CASSANDRA_STORAGE_PORT" (the node alone)
#   CASSANDRA_INITIAL_TOKEN  the node's one token, default 0; nodes of one ring need distinct ones
#   CASSANDRA_CLUSTER_NAME   default dino-dev; a ring uses its own, so it can never gossip with the single node
#   CASSANDRA_START_TIMEOUT  seconds to wait for CQL readiness (default 180)
#   CASSANDRA_JVM_OPTS       extra JVM options appended to the command line (word-split; later -D and -Xmx win)
#   CASSANDRA_TIMER_SLACK_NS the JVM's timer slack in ns, default 250000 (0.25 ms; see set_timer_slack); empty: left
#                            as the script was started with (normally the kernel's 50 µs; 0 also means that)
#
# scripts/cassandra/ring.sh runs three of these nodes as one ring, through the variables above.
#   CASSANDRA_KEEP_DATA=1    start on the run dir's existing data instead of wiping it (a ring node coming back after
#                            a crash: it replays its commit log and the others hand it the writes it missed)
#   CASSANDRA_NO_DRIVER=1    skip the cassandra-driver probe (readiness = port + "Startup complete")
#
# Readiness: the CQL port open AND `SELECT release_version FROM system.local` via the npm
# cassandra-driver (resolved from the repo root, i.e. <repo>/node_modules or NODE_PATH).
# Without the driver: port open AND "Startup complete" in the log.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
RUN="${CASSANDRA_RUN_DIR:-$REPO/.cassandra-run}"
JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java   # pinned: 5.0 needs Java 11/17 (not the Temurin 25 on this box)
HOST="${CASSANDRA_HOST:-127.0.0.1}"
CQL_PORT="${CASSANDRA_CQL_PORT:-9042}"
STORAGE_PORT="${CASSANDRA_STORAGE_PORT:-7000}"
SEEDS="${CASSANDRA_SEEDS:-$HOST:$STORAGE_PORT}"
INITIAL_TOKEN="${CASSANDRA_INITIAL_TOKEN:-0}"
CLUSTER_NAME="${CASSANDRA_CLUSTER_NAME:-dino-dev}"
TIMEOUT="${CASSANDRA_START_TIMEOUT:-180}"
PIDFILE="$RUN/cassandra.pid"
YAML="$RUN/cassandra.yaml"
LOG="$RUN/logs/system.log"
OUT="$RUN/logs/stdout.log"
MAIN=org.apache.cassandra.service.CassandraDaemon
TIMER_SLACK_NS="${CASSANDRA_TIMER_SLACK_NS-250000}"

log() { echo "[cassandra] $*" >&2; }

# Cassandra's shared worker pool keeps an idle worker "spinning" for up to 10 ms after each request: parked for 10 µs
# at a time, i.e. about a thousand wake-ups. On a small virtual machine each wake-up costs several µs of CPU, so a
# node that gets a request every millisecond or so burns up to half a core doing nothing, taken from whatever shares
# the machine with it (Dino, its load, Redis). A timer slack lets the kernel end those parks later: at 0.25 ms, about
# forty wake-ups instead of a thousand. The slack also delays work: a task that arrives while a worker spins is not
# signalled, the spinner finds it when it next wakes. On the 2-core development machine Dino's sends did about as well
# at 0.25 ms as at 1 ms (0.1, 2 and 5 ms did worse; 5 ms left the CPU 44% idle, waiting), and the raw insert loop the
# benches compare them with did better at 0.25 ms (README, Performance). Set in the subshell that then execs the JVM;
# its threads inherit it.
set_timer_slack() {
  [[ -n "$TIMER_SLACK_NS" ]] || return 0
  echo "$TIMER_SLACK_NS" 2>/dev/null >/proc/self/timerslack_ns || log "could not set the timer slack ($TIMER_SLACK_NS ns); going on without"
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$CQL_PORT" 2>/dev/null
}

read_pid() {
  [[ -f "$PIDFILE" ]] && tr -dc '0-9' <"$PIDFILE" || true
}

# True only if $1 is a live CassandraDaemon started with this run dir (guards against pid reuse).
is_our_java() {
  local pid="$1"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"$MAIN"* && "$cmd" == *"-Dcassandra.storagedir=$RUN/data"* ]]
}

have_driver() {
  [[ "${CASSANDRA_NO_DRIVER:-}" == 1 ]] && return 1
  (cd "$REPO" && node -e "require.resolve('cassandra-driver')") >/dev/null 2>&1
}

cql_probe() {
  (cd "$REPO" && timeout 20 node -e "
const { Client } = require('cassandra-driver');
const c = new Client({ contactPoints: ['$HOST:$CQL_PORT'], localDataCenter: 'datacenter1',
  socketOptions: { connectTimeout: 3000, readTimeout: 8000 } });
c.connect()
  .then(() => c.execute('SELECT release_version FROM system.local'))
  .then((r) => { console.log(r.first().release_version); return c.shutdown(); })
  .then(() => process.exit(0), () => process.exit(1));
") 2>/dev/null
}

fetch_jars() {
  [[ -f "$HERE/lib/.complete" ]] && return 0
  log "fetching Cassandra jars from Maven Central into $HERE/lib ..."
  rm -rf "$HERE/lib"
  # outputDirectory must be absolute: a relative one is resolved against the pom's dir, not the cwd.
  local out
  if ! out="$(mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DoutputDirectory="$HERE/lib" 2>&1)" || ! ls "$HERE"/lib/cassandra-all-*.jar >/dev/null 2>&1; then
    echo "$out" >&2
    log "maven could not fetch the jars"
    rm -rf "$HERE/lib"
    exit 1
  fi
  touch "$HERE/lib/.complete"
}

# conf/cassandra.yaml with this node's address, ports, token and seeds (alone, the seed is the node itself: it must
# never gossip with another one).
write_yaml() {
  sed -e "s/^cluster_name: .*/cluster_name: $CLUSTER_NAME/" \
    -e "s/^initial_token: .*/initial_token: $INITIAL_TOKEN/" \
    -e "s/^listen_address: .*/listen_address: $HOST/" \
    -e "s/^rpc_address: .*/rpc_address: $HOST/" \
    -e "s/^storage_port: .*/storage_port: $STORAGE_PORT/" \
    -e "s/^native_transport_port: .*/native_transport_port: $CQL_PORT/" \
    -e "s/- seeds: \".*\"/- seeds: \"$SEEDS\"/" \
    "$HERE/conf/cassandra.yaml" >"$YAML"
  local want
  for want in "^listen_address: $HOST\$" "^rpc_address: $HOST\$" "^initial_token: $INITIAL_TOKEN\$" \
    "^storage_port: $STORAGE_PORT\$" "^native_transport_port: $CQL_PORT\$" "seeds: \"$SEEDS\""; do
    grep -q -- "$want" "$YAML" || { log "could not set '$want' in $YAML"; exit 1; }
  done
}

rss_of() {
  awk '/^VmRSS/ {printf "%d MiB", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"
}

cmd_start() {
  fetch_jars
  if port_open; then
    log "a node already answers on $HOST:$CQL_PORT - nothing to do"
    return 0
  fi

  local pid
  pid="$(read_pid)"
  if is_our_java "$pid"; then
    log "pid $pid is still starting; waiting for it"
  else
    # fresh boot unless told otherwise: no commitlog replay, no stale system tables
    [[ "${CASSANDRA_KEEP_DATA:-}" == 1 ]] || rm -rf "$RUN"
    mkdir -p "$RUN"/{data,logs,triggers,tmp}
    write_yaml
    local jamm
    jamm="$(ls "$HERE"/lib/jamm-*.jar | head -n1)"
    # shellcheck disable=SC2086
    ( set_timer_slack
    exec setsid "$JAVA" \
      -Xms256m -Xmx1g -Xss256k \
      -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxGCPauseMillis=300 \
      -XX:+ExitOnOutOfMemoryError -XX:MaxDirectMemorySize=512m \
      -javaagent:"$jamm" \
      @"$HERE/conf/jvm17-server.args" \
      -Djava.net.preferIPv4Stack=true \
      -Djava.io.tmpdir="$RUN/tmp" -Djna.tmpdir="$RUN/tmp" \
      -Dcassandra-foreground=yes \
      -Dcassandra.config="file://$YAML" \
      -Dlogback.configurationFile="$HERE/conf/logback.xml" \
      -Dcassandra.storagedir="$RUN/data" \
      -Dcassandra.logdir="$RUN/logs" \
      -Dcassandra.triggers_dir="$RUN/triggers" \
      -Dcassandra.available_processors=2 \
      -Dcassandra.skip_wait_for_gossip_to_settle=0 \
      -Dcassandra.ring_delay_ms=1000 \
      -Dcassandra.load_ring_state=false \
      -Dcassandra.superuser_setup_delay_ms=0 \
      -Dcassandra.shutdown_announce_in_ms=0 \
      -Dcassandra.unsafesystem=true \
      -Dcassandra.skip_sync=true \
      -Dcassandra.test.flush_local_schema_changes=false \
      -Dcassandra.test.messagingService.nonGracefulShutdown=true \
      ${CASSANDRA_JVM_OPTS:-} \
      -cp "$HERE/conf:$HERE/lib/*" \
      "$MAIN" </dev/null >"$OUT" 2>&1 ) &
    pid=$!
    echo "$pid" >"$PIDFILE"
    log "started java pid $pid (run dir $RUN)"
  fi

  local t0 use_driver=0 now
  t0="$(date +%s.%N)"
  if have_driver; then use_driver=1; else
    log "cassandra-driver not found from $REPO; readiness = port open + 'Startup complete' in log"
  fi
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "java (pid $pid) died during start-up; last log lines:"
      tail -n 60 "$LOG" 2>/dev/null >&2 || true
      echo "----- stdout/stderr -----" >&2
      tail -n 60 "$OUT" >&2 || true
      rm -f "$PIDFILE"
      exit 1
    fi
    if port_open; then
      if [[ $use_driver == 1 ]]; then
        cql_probe >/dev/null && break
      elif grep -q "Startup complete" "$LOG" 2>/dev/null; then
        break
      fi
    fi
    now="$(date +%s.%N)"
    if awk -v a="$t0" -v b="$now" -v t="$TIMEOUT" 'BEGIN{exit !(b-a > t)}'; then
      log "not ready after ${TIMEOUT}s; last log lines:"
      tail -n 60 "$LOG" >&2 2>/dev/null || true
      log "node left running (pid $pid); run '$0 stop' to clean up"
      exit 1
    fi
    sleep 0.5
  done
  now="$(date +%s.%N)"
  local secs
  secs="$(awk -v a="$t0" -v b="$now" 'BEGIN{printf "%.1f", b-a}')"
  log "ready on $HOST:$CQL_PORT in ${secs}s (pid $pid, RSS $(rss_of "$pid"))"
}

cmd_stop() {
  local pid
  pid="$(read_pid)"
  if [[ -z "$pid" ]]; then
    log "no pid file at $PIDFILE; nothing to stop"
    if port_open; then log "note: something else answers on $HOST:$CQL_PORT; not touching it"; fi
  elif ! is_our_java "$pid"; then
    log "pid $pid is not our Cassandra (already gone); not killing anything"
  else
    log "stopping pid $pid (TERM)"
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 60; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "still alive after 30s; KILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    fi
    log "stopped"
  fi
  rm -rf "$RUN"
}

cmd_status() {
  if port_open; then echo up; return 0; fi
  echo down
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
