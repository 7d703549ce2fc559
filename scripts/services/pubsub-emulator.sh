#!/usr/bin/env bash
# Starts or stops the Google Pub/Sub emulator on 127.0.0.1:${PUBSUB_PORT:-8085}.
#
#   scripts/services/pubsub-emulator.sh start   # idempotent; returns once `curl /` prints Ok
#   scripts/services/pubsub-emulator.sh stop    # idempotent; kills the emulator's process group
#   scripts/services/pubsub-emulator.sh status  # exit 0 when it answers
#
# The emulator binary is started directly (not through `gcloud beta emulators`, whose wrapper
# leaves its Java child running when stopped). It runs in its own session (setsid), so `stop`
# kills the launcher script and the JVM together. Pid and log files live in .services/ at the
# project root. The emulator keeps everything in memory: a restart starts empty.
# Clients reach it with PUBSUB_EMULATOR_HOST=127.0.0.1:${PUBSUB_PORT:-8085}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$ROOT/.services"
PORT="${PUBSUB_PORT:-8085}"
PIDFILE="$DIR/pubsub-emulator-$PORT.pid"
LOG="$DIR/pubsub-emulator-$PORT.log"
READY_TIMEOUT_S="${PUBSUB_READY_TIMEOUT_S:-60}"

ready() {
  [ "$(curl -s --max-time 2 "http://127.0.0.1:$PORT/" 2>/dev/null || true)" = "Ok" ]
}

alive() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

find_binary() {
  local bin=""
  if command -v dpkg >/dev/null 2>&1; then
    bin="$(dpkg -L google-cloud-cli-pubsub-emulator 2>/dev/null | grep 'bin/cloud-pubsub-emulator$' | head -n 1 || true)"
  fi
  if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "pubsub-emulator.sh: the Pub/Sub emulator is not installed (Debian package google-cloud-cli-pubsub-emulator," >&2
    echo "  binary .../platform/pubsub-emulator/bin/cloud-pubsub-emulator). It is part of the machine image and" >&2
    echo "  cannot be installed from any reachable registry; run on a machine that has it." >&2
    exit 1
  fi
  if ! command -v java >/dev/null 2>&1; then
    echo "pubsub-emulator.sh: java is not on PATH; the Pub/Sub emulator needs a JRE." >&2
    exit 1
  fi
  printf '%s\n' "$bin"
}

start() {
  mkdir -p "$DIR"
  if alive && ready; then
    echo "pubsub emulator already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    return 0
  fi
  if ready; then
    echo "pubsub-emulator.sh: something not started by this script already answers on 127.0.0.1:$PORT; using it" >&2
    return 0
  fi
  if alive; then stop; fi
  local bin
  bin="$(find_binary)"
  # setsid: a new session and process group whose id is the launcher's pid, so stop can kill the JVM too.
  setsid "$bin" --host=127.0.0.1 --port="$PORT" >"$LOG" 2>&1 < /dev/null &
  echo $! >"$PIDFILE"
  local deadline=$((SECONDS + READY_TIMEOUT_S))
  until ready; do
    if ! alive; then
      echo "pubsub-emulator.sh: the emulator exited during start; last lines of $LOG:" >&2
      tail -n 20 "$LOG" >&2 || true
      rm -f "$PIDFILE"
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "pubsub-emulator.sh: not ready after ${READY_TIMEOUT_S}s; last lines of $LOG:" >&2
      tail -n 20 "$LOG" >&2 || true
      stop
      exit 1
    fi
    sleep 0.2
  done
  echo "pubsub emulator ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
}

stop() {
  if [ ! -f "$PIDFILE" ]; then
    echo "pubsub emulator not running (no $PIDFILE)"
    return 0
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  echo "pubsub emulator stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if ready; then echo "up on 127.0.0.1:$PORT"; else echo "down"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
