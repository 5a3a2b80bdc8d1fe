#!/usr/bin/env bash
# Installs Debian packages the tools need when their command is missing, as root.
#
#   scripts/apt-install.sh COMMAND PACKAGE     # e.g. scripts/apt-install.sh wrk wrk
#
# Does nothing when COMMAND is already on PATH; refuses, with one line, when not root.
set -euo pipefail
command=$1 package=$2
command -v "$command" >/dev/null && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "apt-install: $command is missing: install the $package package" >&2
  exit 1
fi
apt-get install -y -qq "$package" >/dev/null 2>&1 \
  || { apt-get update -qq >/dev/null && apt-get install -y -qq "$package" >/dev/null; }
command -v "$command" >/dev/null
