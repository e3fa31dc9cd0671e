#!/usr/bin/env bash
# Debian's Chromium for the web page's browser tests (playwright-core drives it; it never downloads
# a browser of its own). Idempotent: nothing to do when /usr/bin/chromium is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-browser: /usr/bin/chromium is missing; install Debian's chromium package (apt-get install chromium) as root" >&2
  exit 1
fi
echo "install-browser: installing Debian's chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
