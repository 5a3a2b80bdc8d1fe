#!/usr/bin/env bash
# Refreshes the admin UI's vendored JavaScript from npm (`make vendor`). The suite never
# needs npm: what this writes is committed.
#
#   static/admin-ui/vendor/preact-htm.js   htm's Preact standalone ES module (htm + Preact
#                                          + hooks in one file), with its licences beside
#   static/admin-ui/vendor/uplot.esm.js    uPlot's ES module and stylesheet (uplot.min.css):
#                                          the Overview's charts, drawn on a canvas
#   tests/browser/vendor/axe.min.js        axe-core, injected by the browser tests
#
# Bump a version here, run `make vendor`, run the browser tests, commit.
set -euo pipefail
HTM_VERSION=3.1.1
PREACT_LICENCE_FROM=preact@10   # htm bundles Preact 10; its MIT licence travels with it
AXE_VERSION=4.14.1
UPLOT_VERSION=1.6.32

top=$(cd "$(dirname "$0")/.." && pwd)
ui="$top/static/admin-ui/vendor"
axe="$top/tests/browser/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for spec in "htm@$HTM_VERSION" "$PREACT_LICENCE_FROM" "axe-core@$AXE_VERSION" \
  "uplot@$UPLOT_VERSION"; do
  mkdir -p "${spec%%@*}"
  tarball=$(npm pack --silent "$spec")
  tar xzf "$tarball" -C "${spec%%@*}" --strip-components=1
done

mkdir -p "$ui" "$axe"
{
  printf '/*! htm %s, Preact standalone module (htm + Preact + hooks). htm: Apache-2.0,\n' \
    "$HTM_VERSION"
  printf ' * see preact-htm.LICENSE-htm; Preact: MIT, see preact-htm.LICENSE-preact. */\n'
  cat htm/preact/standalone.module.js
} >"$ui/preact-htm.js"
cp htm/LICENSE "$ui/preact-htm.LICENSE-htm"
cp preact/LICENSE "$ui/preact-htm.LICENSE-preact"
cp uplot/dist/uPlot.esm.js "$ui/uplot.esm.js"   # its first comment names version and licence
cp uplot/dist/uPlot.min.css "$ui/uplot.min.css"
cp uplot/LICENSE "$ui/uplot.LICENSE"
cp axe-core/axe.min.js "$axe/axe.min.js"   # its first comment names version and licence
cp axe-core/LICENSE "$axe/axe.LICENSE"
cat >"$ui/VERSIONS" <<TXT
preact-htm.js  htm $HTM_VERSION (npm "htm", file preact/standalone.module.js), bundling Preact 10
               licences: Apache-2.0 (preact-htm.LICENSE-htm), MIT (preact-htm.LICENSE-preact)
uplot.esm.js   uPlot $UPLOT_VERSION (npm "uplot", files dist/uPlot.esm.js, dist/uPlot.min.css)
               licence: MIT (uplot.LICENSE)
refreshed by   make vendor (scripts/vendor-ui.sh)
TXT
cat >"$axe/VERSIONS" <<TXT
axe.min.js     axe-core $AXE_VERSION (npm "axe-core"), licence MPL-2.0 (axe.LICENSE)
refreshed by   make vendor (scripts/vendor-ui.sh)
TXT
echo "vendored htm $HTM_VERSION (Preact standalone), uPlot $UPLOT_VERSION and axe-core $AXE_VERSION"
