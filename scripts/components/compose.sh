#!/usr/bin/env bash
# docker-compose (Debian's package), so the tests can validate docker-compose.yml with
# `docker-compose config`. Installs it once; later runs find it on the PATH.
set -euo pipefail
# shellcheck source=scripts/lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"
command -v docker-compose >/dev/null || apt_install 'install docker-compose (1.29 or newer).' docker-compose
docker-compose version --short
