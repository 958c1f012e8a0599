#!/usr/bin/env bash
# `npm run quickstart`: installs what BabyBot needs (npm packages; the Temporal CLI is
# built with Go on first start) and starts it on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/npm-env.sh
source scripts/npm-env.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec node bin/babybot.js start "$@"
