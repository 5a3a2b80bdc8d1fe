#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on a loopback port, for tests.
#
#   eval "$(scripts/postgres-tmp.sh start)"   # sets PGTMP_DIR and PGTMP_PORT
#   scripts/postgres-tmp.sh stop "$PGTMP_DIR"
#
# The cluster trusts local connections from the role `hexa` and holds two databases,
# hexa_test and hexa_stairway. initdb refuses root, so as root the server runs as the
# `postgres` user. Missing binaries are installed from the OS packages when root.
set -euo pipefail

find_bin() {
  local candidate
  for candidate in "${PG_BIN:-}" /usr/lib/postgresql/*/bin; do
    [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
  local bin dir port
  if ! bin=$(find_bin); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get install -y -qq postgresql >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null; }
      bin=$(find_bin)
    else
      echo "postgres-tmp: no PostgreSQL binaries; install postgresql or set PG_BIN" >&2
      exit 1
    fi
  fi
  dir=$(mktemp -d /tmp/hexa-pg.XXXXXX)
  port=$(free_port)
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U hexa -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  for db in hexa_test hexa_stairway; do
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U hexa "$db"
  done
  echo "PGTMP_DIR=$dir"
  echo "PGTMP_PORT=$port"
  echo "PGTMP_BIN=$bin"
}

stop() {
  local dir=$1 bin
  bin=$(find_bin)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:?usage: postgres-tmp.sh stop DIR}" ;;
  *) echo "usage: postgres-tmp.sh start | stop DIR" >&2; exit 2 ;;
esac
