#!/usr/bin/env bash
# A private 3-master Redis Cluster on loopback, from the installed redis-server, for tests and CI.
#
#   scripts/redis-cluster.sh start DIR [PORT PORT PORT]   starts it (free ports unless given); prints its URL,
#                                                       redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3,
#                                                       also written to DIR/url
#   scripts/redis-cluster.sh stop DIR                     stops the servers it started there, by their pids
#
# Each node has its own directory DIR/<port> (its nodes.conf and log) and pid file DIR/<port>.pid; no persistence.
# A node's pid is stopped only while its working directory is still under DIR: never anybody else's process.
set -euo pipefail

REDIS_SERVER="${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}"
REDIS_CLI="${REDIS_CLI:-$(command -v redis-cli || echo /usr/bin/redis-cli)}"
NODES=3

usage() { echo "usage: $0 start DIR [PORT PORT PORT] | stop DIR" >&2; exit 2; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ports below Linux's ephemeral range (32768 and up), bus ports included: a port some outgoing connection uses as its
# local port cannot be bound, though nothing listens on it.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 10000 + RANDOM % 12700 ))
    # The cluster bus listens on port + 10000: both must be free.
    if ! port_taken "$port" && ! port_taken $(( port + 10000 )); then echo "$port"; return; fi
  done
  echo "no free port found" >&2; exit 1
}

stop() {
  local dir="$1" pid
  for file in "$dir"/*.pid; do
    [ -e "$file" ] || continue
    pid="$(cat "$file")"
    case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in
      "$dir"/*) kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null || true ;;
    esac
    rm -f "$file"
  done
}

# Starts the nodes on `ports`; fails (leaving them to `stop`) if one does not answer, e.g. its port was taken meanwhile.
launch() {
  local dir="$1"; shift
  for port in "$@"; do
    mkdir -p "$dir/$port"
    (cd "$dir/$port" && exec "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 5000 --save '' --appendonly no \
      --dir "$dir/$port" >"$dir/$port/redis.log" 2>&1) &
    echo $! >"$dir/$port.pid"
  done
  for port in "$@"; do
    for i in $(seq 1 200); do
      "$REDIS_CLI" -p "$port" ping >/dev/null 2>&1 && break
      if [ "$i" -eq 200 ] || ! kill -0 "$(cat "$dir/$port.pid")" 2>/dev/null; then
        echo "node on port $port did not start: $(tail -1 "$dir/$port/redis.log" 2>/dev/null)" >&2; return 1
      fi
      sleep 0.05
    done
  done
}

start() {
  local dir="$1"; shift
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  local ports=("$@") given=$#
  [ "$given" -eq 0 ] || [ "$given" -eq "$NODES" ] || usage
  trap 'stop "$dir"' EXIT # whatever fails from here leaves no server behind
  for attempt in 1 2 3 4 5; do
    if [ "$given" -eq 0 ]; then
      ports=()
      for _ in $(seq 1 $NODES); do ports+=("$(free_port)"); done
    fi
    launch "$dir" "${ports[@]}" && break
    stop "$dir"
    rm -rf "${ports[@]/#/$dir/}"
    [ "$attempt" -lt 5 ] && [ "$given" -eq 0 ] || exit 1
  done
  "$REDIS_CLI" --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 \
    || { cat "$dir/create.log" >&2; exit 1; }
  # Ready once every node sees every slot served.
  for port in "${ports[@]}"; do
    for i in $(seq 1 200); do
      "$REDIS_CLI" -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      [ "$i" -eq 200 ] && { echo "cluster not ready on port $port" >&2; exit 1; }
      sleep 0.05
    done
  done
  trap - EXIT
  local url="redis+cluster://$(printf '127.0.0.1:%s,' "${ports[@]}")"
  echo "${url%,}" | tee "$dir/url"
}

case "${1:-}" in
  start) [ $# -ge 2 ] || usage; shift; start "$@" ;;
  stop) [ $# -eq 2 ] || usage; stop "$(cd "$2" && pwd)" ;;
  *) usage ;;
esac
