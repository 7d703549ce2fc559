#!/usr/bin/env bash
# Starts or stops a throwaway Redis on 127.0.0.1:${REDIS_PORT:-6379} (no persistence).
#
#   scripts/services/redis.sh start   # idempotent; installs redis-server with apt-get when missing,
#                                     # returns once `redis-cli ping` answers PONG
#   scripts/services/redis.sh stop    # idempotent; shuts down the instance this script started
#   scripts/services/redis.sh status  # exit 0 when it answers
#
# Pid and log files live in .services/ at the project root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$ROOT/.services"
PORT="${REDIS_PORT:-6379}"
PIDFILE="$DIR/redis-$PORT.pid"
LOG="$DIR/redis-$PORT.log"
READY_TIMEOUT_S="${REDIS_READY_TIMEOUT_S:-30}"

ready() {
  [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]
}

alive() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

install_redis() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then return 0; fi
  echo "redis.sh: redis-server not found; installing it with apt-get" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "redis.sh: need root to apt-get install redis-server" >&2
    exit 1
  fi
  # policy-rc.d 101 keeps the package from starting its own daemon on the default port.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; } || rc=$?
  if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
  if [ "$rc" -ne 0 ] || ! command -v redis-server >/dev/null 2>&1; then
    echo "redis.sh: apt-get install redis-server failed (exit $rc)" >&2
    exit 1
  fi
}

start() {
  mkdir -p "$DIR"
  install_redis
  if alive && ready; then
    echo "redis already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    return 0
  fi
  if ready; then
    echo "redis.sh: a Redis not started by this script already answers on 127.0.0.1:$PORT; using it" >&2
    return 0
  fi
  rm -f "$PIDFILE"
  redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no \
    --daemonize yes --pidfile "$PIDFILE" --logfile "$LOG" --dir "$DIR"
  local deadline=$((SECONDS + READY_TIMEOUT_S))
  until ready; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "redis.sh: not ready after ${READY_TIMEOUT_S}s; last lines of $LOG:" >&2
      tail -n 20 "$LOG" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  # The daemon writes its pid file shortly after it forks; wait for it so stop finds it.
  for _ in $(seq 1 50); do [ -s "$PIDFILE" ] && break; sleep 0.1; done
  echo "redis ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'))"
}

stop() {
  if [ ! -f "$PIDFILE" ]; then
    echo "redis not running (no $PIDFILE)"
    return 0
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  echo "redis stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if ready; then echo "up on 127.0.0.1:$PORT"; else echo "down"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
