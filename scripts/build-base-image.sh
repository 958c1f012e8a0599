#!/usr/bin/env bash
# Builds a minimal Debian bookworm image with Node.js (Debian's, v18) from the machine's own
# apt sources, for machines that cannot pull images (CI here has no container registry).
# Usage: scripts/build-base-image.sh [IMAGE]   (default babybot-base:bookworm)
# Needs root, mmdebstrap and a running Docker engine (DOCKER_HOST is honoured).
# No mirror host is written here: mmdebstrap reads the machine's own apt sources file.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
IMAGE=${1:-babybot-base:bookworm}

SOURCES=""
for candidate in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
  if [ -s "$candidate" ]; then SOURCES=$candidate; break; fi
done
if [ -z "$SOURCES" ]; then
  echo "No apt sources file found (/etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list): cannot build $IMAGE." >&2
  exit 1
fi
if ! command -v mmdebstrap >/dev/null; then
  echo "mmdebstrap is missing: apt-get install mmdebstrap (scripts/components/docker.sh does it)." >&2
  exit 1
fi

# mmdebstrap unpacks the whole tree in TMPDIR; /tmp may be a small tmpfs.
export TMPDIR="$ROOT/.cache/tmp"
mkdir -p "$TMPDIR"

# One --dpkgopt per excluded path: a brace pattern would silently exclude nothing.
# /usr/share/doc stays: excluding it breaks the unpacking of multi-arch packages.
excludes=()
for path in '/usr/share/man/*' '/usr/share/info/*' '/usr/share/locale/*' '/usr/share/lintian/*'; do
  excludes+=("--dpkgopt=path-exclude=$path")
done

echo "building $IMAGE from Debian bookworm (nodejs) with the sources in $SOURCES"
started=$SECONDS
# Into a file first: piping straight into `docker import` would import a half-built tree
# under the final name when mmdebstrap fails midway.
TARBALL="$TMPDIR/base-$$.tar"
trap 'rm -f "$TARBALL"' EXIT
# poppler-utils (pdftotext, pdfinfo, pdftoppm) and docx2txt: the document-reading skill's tools.
mmdebstrap --quiet --variant=minbase --include=nodejs,ca-certificates,poppler-utils,docx2txt,unzip "${excludes[@]}" \
  bookworm "$TARBALL" "$SOURCES"
docker import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' "$TARBALL" "$IMAGE"
echo "built $IMAGE in $((SECONDS - started))s"
