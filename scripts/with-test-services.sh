#!/usr/bin/env bash
# Runs a command with throw-away servers for the test suite, then stops them.
#
#   scripts/with-test-services.sh pytest -x
#
# PostgreSQL: a fresh cluster in a temporary directory on a free loopback port, exported
# as HEXA_TEST_POSTGRES_URL (and HEXA_REQUIRE_POSTGRES=1, so its tests fail instead of
# skipping). Set HEXA_TEST_POSTGRES_URL yourself to use a server you already run.
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

"$@"
