#!/usr/bin/env bash
# A throw-away Redis on a loopback port, for tests.
#
#   eval "$(scripts/redis-tmp.sh start)"   # sets REDISTMP_DIR and REDISTMP_PORT
#   scripts/redis-tmp.sh stop "$REDISTMP_DIR"
#
# No persistence; installs redis-server from the OS packages when missing and root.
set -euo pipefail

start() {
  if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get install -y -qq redis-server >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && apt-get install -y -qq redis-server >/dev/null; }
    else
      echo "redis-tmp: no redis-server; install it or set HEXA_TEST_REDIS_URL" >&2
      exit 1
    fi
  fi
  local dir port
  dir=$(mktemp -d /tmp/hexa-redis.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null || { cat "$dir/redis.log" >&2; exit 1; }
  echo "REDISTMP_DIR=$dir"
  echo "REDISTMP_PORT=$port"
}

stop() {
  local dir=$1
  local pid
  if [ -f "$dir/redis.pid" ]; then
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:?usage: redis-tmp.sh stop DIR}" ;;
  *) echo "usage: redis-tmp.sh start | stop DIR" >&2; exit 2 ;;
esac
