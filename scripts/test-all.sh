#!/usr/bin/env bash
# Sets up every real component the tests need, on a fresh machine, then runs the whole
# suite: `npm run test:all`. CI runs exactly this (.ci/run). Nothing is mocked but the
# model and WhatsApp's servers; a missing component fails the run, it never skips tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/npm-env.sh
source scripts/npm-env.sh
ROOT=$(pwd)
export BABYBOT_TEST_ENV="$ROOT/.cache/test-env.sh"
mkdir -p "$ROOT/.cache"
: > "$BABYBOT_TEST_ENV"

step() { printf '\n=== %s (%ss)\n' "$1" "$SECONDS"; }

step "Node.js"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<3)) { console.error("Node "+process.versions.node+" is too old: BabyBot needs 20.3 or newer."); process.exit(1) } console.log("node "+process.versions.node)'

step "npm dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "node_modules is up to date"
fi

step "Temporal CLI"
node --import tsx scripts/ensure-temporal-cli.ts

# Registered before the components start, so one that fails still stops those before it.
cleanup() {
  for stop in "$ROOT"/.cache/stop-*.sh; do
    [ -e "$stop" ] && bash "$stop" || true
  done
}
trap cleanup EXIT

# Each component script installs and starts one real part (Docker engine, agent image,
# docker-compose, Chromium…), idempotently, and appends the variables the tests need to
# $BABYBOT_TEST_ENV. Scripts that start a daemon register its stop in .cache/stop-*.sh.
for component in scripts/components/*.sh; do
  [ -e "$component" ] || continue
  step "$(basename "$component" .sh)"
  bash "$component"
done

# shellcheck disable=SC1090
source "$BABYBOT_TEST_ENV"

step "typecheck and lint"
npx tsc --noEmit
npx eslint .

step "tests"
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
# The plain closing line CI reads: "N passed, N failed".
# A file whose set-up failed (a component missing) counts as failed, not as skipped tests.
# An error outside any test (an unhandled rejection, an 'error' event nobody listens to) fails
# the run with every test green: the line says so, so that exit code 1 is never a mystery.
node -e 'const r=require("./test-artifacts/vitest.json"); const failed=r.numFailedTests + r.numFailedTestSuites; console.log(`${r.numPassedTests} passed, ${failed} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : "") + (!r.success && failed === 0 ? ", and errors outside the tests (the \"Unhandled Errors\" section above)" : ""))' || true
step "done"
exit $status
