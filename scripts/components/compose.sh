#!/usr/bin/env bash
# docker-compose (Debian's package), so the tests can validate docker-compose.yml with
# `docker-compose config`. Installs it once; later runs find it on the PATH.
set -euo pipefail
if ! command -v docker-compose >/dev/null; then
  echo "installing Debian's docker-compose"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
docker-compose version --short
