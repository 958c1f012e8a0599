#!/usr/bin/env bash
# Builds a local Debian base image that brings the host's Node.js (>= 20.3, which the
# Temporal SDK needs), for building BabyBot's own image where no image can be pulled:
#   docker build --build-arg BASE_IMAGE=babybot-node-base:bookworm .
# Debian's nodejs is 18, so the image gets the host's node binary, npm and headers (the
# headers let node-gyp build better-sqlite3 without downloading them). Users with a
# registry just use the Dockerfile's default base (node:20-bookworm-slim).
# Idempotent: an image built from the same Node version is kept.
set -euo pipefail
IMAGE=${1:-babybot-node-base:bookworm}
NODE_BIN=$(command -v node)
NODE_VERSION=$("$NODE_BIN" --version)
# The certificate authorities this machine adds (a company or CI proxy in front of the npm
# registry): the image trusts them too, or `npm ci` in the build fails on the proxy's certificate.
LOCAL_CAS=/usr/local/share/ca-certificates
CA_SUM=$(cat "$LOCAL_CAS"/*.crt 2>/dev/null | sha256sum | cut -c1-12)
STAMP="$NODE_VERSION ca:$CA_SUM"
NODE_PREFIX=$(cd "$(dirname "$(readlink -f "$NODE_BIN")")/.." && pwd)
NPM_DIR=$NODE_PREFIX/lib/node_modules/npm
HEADERS=$NODE_PREFIX/include/node

if [ "$(docker image inspect --format '{{ index .Config.Labels "babybot.base" }}' "$IMAGE" 2>/dev/null)" = "$STAMP" ]; then
  echo "$IMAGE is up to date (node $NODE_VERSION)"
  exit 0
fi
for needed in "$NPM_DIR/bin/npm-cli.js" "$HEADERS/node.h"; do
  [ -e "$needed" ] || { echo "The host's Node.js at $NODE_PREFIX has no $needed: install Node.js with npm and headers (e.g. NodeSource's nodejs package)." >&2; exit 1; }
done
command -v mmdebstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq mmdebstrap >/dev/null; }

# The machine's own apt sources, so no mirror host is written into the repository.
SOURCES=/etc/apt/sources.list.d/debian.sources
[ -e "$SOURCES" ] || SOURCES=/etc/apt/sources.list
# mmdebstrap unpacks the whole tree in TMPDIR (keep it off a small tmpfs).
export TMPDIR=${TMPDIR:-$(cd "$(dirname "$0")/.." && pwd)/.cache/tmp}
mkdir -p "$TMPDIR"
# Into a file first: piping into `docker import` would tag a half-built tree when
# mmdebstrap fails midway.
TARBALL="$TMPDIR/node-base-$$.tar"
trap 'rm -f "$TARBALL"' EXIT
start=$SECONDS
echo "Building $IMAGE: Debian bookworm (minbase) + node $NODE_VERSION from $NODE_PREFIX"
# Node's own libraries (libstdc++, libgcc) are in minbase; `ldd $(command -v node)` lists them.
mmdebstrap --variant=minbase --include=ca-certificates,passwd --quiet \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook="copy-in $NODE_BIN /usr/bin" \
  --customize-hook="mkdir -p \"\$1/usr/lib/node_modules/npm\" \"\$1/usr/include/node\"" \
  --customize-hook="sync-in $NPM_DIR /usr/lib/node_modules/npm" \
  --customize-hook="sync-in $HEADERS /usr/include/node" \
  --customize-hook='ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/bin/npm"' \
  --customize-hook='ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/bin/npx"' \
  --customize-hook="mkdir -p \"\$1$LOCAL_CAS\" && if [ -d $LOCAL_CAS ]; then cp -r $LOCAL_CAS/. \"\$1$LOCAL_CAS/\"; fi" \
  --customize-hook='chroot "$1" update-ca-certificates >/dev/null' \
  bookworm "$TARBALL" "$SOURCES"
docker import \
  --change 'CMD ["node"]' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV npm_config_nodedir=/usr' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change "LABEL babybot.base=\"$STAMP\"" \
  "$TARBALL" "$IMAGE" >/dev/null
echo "$IMAGE built in $((SECONDS - start))s"
