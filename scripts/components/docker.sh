#!/usr/bin/env bash
# The Docker engine and the agent image the sandbox (and its tests) need. Idempotent:
# uses an engine that already answers (DOCKER_HOST, this project's own, the default
# socket); otherwise installs Debian's docker.io (root) and starts a dockerd of the
# project's own that leaves the host's network alone (no bridge, no iptables), with its
# state under .cache/docker. Then builds babybot-base:bookworm (once) and the agent image
# (again only when its inputs changed). Appends DOCKER_HOST to $BABYBOT_TEST_ENV and, when
# it started the engine, writes .cache/stop-docker.sh. Fails loudly when it cannot.
set -euo pipefail
# shellcheck source=scripts/lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
STATE="$ROOT/.cache/docker"
SOCKET="$STATE/docker.sock"
BASE_IMAGE=${BABYBOT_BASE_IMAGE:-babybot-base:bookworm}
mkdir -p "$STATE"

answers() { DOCKER_HOST="$1" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# docker.io brings dockerd, containerd, runc and the client; mmdebstrap builds the base image.
install_packages() {
  local missing=()
  command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
  command -v docker >/dev/null || missing+=(docker.io)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  apt_install 'install them (docker.io, mmdebstrap) or set DOCKER_HOST to a running engine.' "${missing[@]}"
}

install_packages
export PATH="$PATH:/usr/sbin"

host=""
for candidate in ${DOCKER_HOST:+"$DOCKER_HOST"} "unix://$SOCKET" unix:///var/run/docker.sock; do
  if answers "$candidate"; then host=$candidate; break; fi
done

if [ -z "$host" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "No Docker engine answers and dockerd needs root: start Docker, or set DOCKER_HOST." >&2
    exit 1
  fi
  # containerd's sockets live under the exec root; a unix socket path must stay under
  # ~108 bytes, so a deep checkout gets a short exec root in /tmp instead.
  EXEC_ROOT="$STATE/run"
  if [ ${#EXEC_ROOT} -gt 60 ]; then
    EXEC_ROOT="/tmp/babybot-docker-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  fi
  rm -f "$SOCKET" "$STATE/dockerd.pid"
  echo "starting dockerd (socket $SOCKET, data in $STATE/data)"
  nohup dockerd \
    -H "unix://$SOCKET" \
    --data-root "$STATE/data" \
    --exec-root "$EXEC_ROOT" \
    --pidfile "$STATE/dockerd.pid" \
    --bridge=none --iptables=false --ip-masq=false \
    >"$STATE/dockerd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do
    if answers "unix://$SOCKET"; then host="unix://$SOCKET"; break; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.5
  done
  if [ -z "$host" ]; then
    echo "dockerd did not start; its log ($STATE/dockerd.log) ends with:" >&2
    tail -n 20 "$STATE/dockerd.log" >&2 || true
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  cat >"$ROOT/.cache/stop-docker.sh" <<EOF
#!/usr/bin/env bash
# Written by scripts/components/docker.sh: stops the dockerd it started (pid $pid).
if kill -0 $pid 2>/dev/null; then
  kill -TERM $pid
  for _ in \$(seq 1 40); do kill -0 $pid 2>/dev/null || break; sleep 0.25; done
fi
# dockerd leaves its network namespace mounted under the exec root; a mount left there
# would keep the folder from being removed.
for ns in "$EXEC_ROOT"/netns/*; do [ -e "\$ns" ] && umount "\$ns" 2>/dev/null; done
rm -f "$ROOT/.cache/stop-docker.sh"
EOF
fi

export DOCKER_HOST=$host
echo "Docker engine $(docker version --format '{{.Server.Version}}') at $DOCKER_HOST"
[ -n "${BABYBOT_TEST_ENV:-}" ] && echo "export DOCKER_HOST=$DOCKER_HOST" >>"$BABYBOT_TEST_ENV"

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "$BASE_IMAGE is present"
else
  bash scripts/build-base-image.sh "$BASE_IMAGE"
fi

# Rebuilds only when the runner, its schema, the Dockerfile or the skills changed (a hash label).
node bin/babybot.js sandbox build --base-image "$BASE_IMAGE"
