#!/usr/bin/env bash
# `npm start`: everything a fresh clone needs, then the whole default stack in the foreground.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Also after a pull that brought the pinned Node.js (the `node` package) into an older install.
if [ ! -x node_modules/.bin/node ]; then
  echo "mltrl: installing Node packages and the project's Node.js (npm ci)…"
  npm ci --no-audit --no-fund
fi
bash scripts/install-tools.sh
# The local mail catcher, unless emails go to a mail server of your own.
if [ -z "${SMTP_URL:-}" ]; then
  bash scripts/install-mailpit.sh
fi
# The project's own Node.js (package.json pins the `node` package), whatever `node` is on PATH.
exec node_modules/.bin/node --import tsx src/local/start.ts
