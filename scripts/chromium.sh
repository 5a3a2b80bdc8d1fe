#!/usr/bin/env bash
# Chromium for the admin UI's browser tests, from the OS packages: Playwright drives the
# system browser (`executable_path`), since browser downloads are not possible here.
# Installs when missing and root (like redis-tmp.sh); otherwise says why the browser tests
# will skip. Never fails `make test` by itself: the tests decide (see tests/browser).
set -uo pipefail
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -qq chromium >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; } \
    || echo "chromium.sh: apt-get could not install chromium" >&2
else
  echo "chromium.sh: no $CHROMIUM and not root: the browser tests will skip" >&2
fi
exit 0
