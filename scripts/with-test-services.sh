#!/usr/bin/env bash
# Runs a command with throw-away servers for the test suite, then stops them.
#
#   scripts/with-test-services.sh pytest -x
#
# PostgreSQL: a fresh cluster in a temporary directory on a free loopback port, exported
# as HEXA_TEST_POSTGRES_URL (and HEXA_REQUIRE_POSTGRES=1, so its tests fail instead of
# skipping). Set HEXA_TEST_POSTGRES_URL yourself to use a server you already run.
# Redis: a throw-away redis-server on a free loopback port, as HEXA_TEST_REDIS_URL (with
# HEXA_REQUIRE_REDIS=1); set HEXA_TEST_REDIS_URL yourself to use your own (its DB is flushed).
# MongoDB has no Debian package: export MONGO_URI to run the Mongo tests for real.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

cleanup=()
stop_all() {
  for ((i=${#cleanup[@]}-1; i>=0; i--)); do eval "${cleanup[i]}" || true; done
}
trap stop_all EXIT INT TERM

if [ -z "${HEXA_TEST_POSTGRES_URL:-}" ]; then
  eval "$("$here/postgres-tmp.sh" start)"
  cleanup+=("'$here/postgres-tmp.sh' stop '$PGTMP_DIR'")
  export HEXA_TEST_POSTGRES_URL="postgresql+asyncpg://hexa@127.0.0.1:${PGTMP_PORT}/hexa_test"
  export HEXA_TEST_POSTGRES_STAIRWAY_URL="postgresql+asyncpg://hexa@127.0.0.1:${PGTMP_PORT}/hexa_stairway"
fi
export HEXA_REQUIRE_POSTGRES=1

# A project made from the template without Redis has no Redis adapters and needs none.
if ! compgen -G "$here/../src/*/adapters/redis" > /dev/null; then
  "$@"
  exit $?
fi
if [ -z "${HEXA_TEST_REDIS_URL:-}" ]; then
  eval "$("$here/redis-tmp.sh" start)"
  cleanup+=("'$here/redis-tmp.sh' stop '$REDISTMP_DIR'")
  export HEXA_TEST_REDIS_URL="redis://127.0.0.1:${REDISTMP_PORT}/0"
fi
export HEXA_REQUIRE_REDIS=1

"$@"
