#!/usr/bin/env bash
# `npm start`: everything a fresh clone needs, then the whole default stack in the foreground.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -d node_modules ]; then
  echo "mltrl: installing Node packages (npm ci)…"
  npm ci --no-audit --no-fund
fi
bash scripts/install-tools.sh
exec node --import tsx src/start.ts
