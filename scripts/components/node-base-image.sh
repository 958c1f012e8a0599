#!/usr/bin/env bash
# The base image BabyBot's own image is built from in the tests (tests/scale-out/image.test.ts):
# Debian with the machine's Node.js (>= 20.3), since no image can be pulled here and
# Debian's Node is 18. Runs after docker.sh, whose DOCKER_HOST it reads from the test env.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck disable=SC1090
[ -n "${BABYBOT_TEST_ENV:-}" ] && [ -e "$BABYBOT_TEST_ENV" ] && source "$BABYBOT_TEST_ENV"
bash scripts/build-node-base-image.sh babybot-node-base:bookworm
