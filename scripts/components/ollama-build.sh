#!/usr/bin/env bash
# Builds the pinned Ollama from its Go module (cgo: llama.cpp/ggml inside) into the cache,
# once: the one recipe, used by scripts/components/ollama.sh (tests, CI) and by
# `babybot start` when no Ollama is installed (lib/ollama-binary.ts). The module zip drops
# vendor/, so three C headers come from Debian and PyPI. Prints progress lines, and the
# binary's path as its last line. Fails loudly, saying what is missing.
# With --cached it builds nothing: the cached binary's path, or exit 3 when there is none.
set -euo pipefail
# shellcheck source=scripts/lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"
OLLAMA_VERSION=${BABYBOT_OLLAMA_VERSION:-v0.17.4}
CACHE=${BABYBOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/babybot}
BIN_DIR="$CACHE/ollama-$OLLAMA_VERSION"
OLLAMA="$BIN_DIR/ollama"

log() { printf '[ollama] %s\n' "$*"; }

if [ -x "$OLLAMA" ]; then
  echo "$OLLAMA"
  exit 0
fi
[ "${1:-}" = --cached ] && exit 3
command -v go >/dev/null || {
  echo "Go is needed to build Ollama ($OLLAMA_VERSION) and is not installed: install Go (https://go.dev/dl), or install Ollama (https://ollama.com) and put it on the PATH or in OLLAMA_BIN." >&2
  exit 1
}
missing=()
[ -e /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
[ -e /usr/include/stb/stb_image.h ] || missing+=(libstb-dev)
apt_install "install them (${missing[*]}), or install Ollama (https://ollama.com) and set OLLAMA_BIN." "${missing[@]}"
mkdir -p "$BIN_DIR"
headers="$CACHE/ollama-headers"
if [ ! -e "$headers/miniaudio/miniaudio.h" ]; then
  log "fetching miniaudio.h from the miniaudio sdist on PyPI"
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-binary :all: --no-deps -d "$tmp" miniaudio==1.71
  tar -xzf "$tmp"/miniaudio-1.71.tar.gz -C "$tmp"
  mkdir -p "$headers/miniaudio"
  cp "$tmp/miniaudio-1.71/miniaudio/miniaudio.h" "$headers/miniaudio/"
  rm -rf "$tmp"
fi
# Without these flags ggml's CPU code is baseline x86-64 and reads prompts 7x slower;
# -march=native fails to link here (AMX code the cgo build leaves out).
flags="-O3"
if grep -q ' avx2 ' /proc/cpuinfo && grep -q ' fma ' /proc/cpuinfo; then
  flags="-O3 -mavx -mavx2 -mfma -mf16c -mbmi2"
fi
log "building github.com/ollama/ollama@$OLLAMA_VERSION with Go into $BIN_DIR (first time only, 3-15 min on 2 cores)…"
started=$SECONDS
# go -v names each package as it is compiled: every 50th is the progress line; the whole
# output is kept for when the build fails.
build_log="$BIN_DIR/build.log"
if ! CGO_ENABLED=1 CGO_CPPFLAGS="-I$headers" CGO_CFLAGS="$flags" CGO_CXXFLAGS="$flags" \
  GOBIN="$BIN_DIR" GOFLAGS=-mod=mod \
  go install -v "github.com/ollama/ollama@$OLLAMA_VERSION" 2>&1 |
  tee "$build_log" | awk '{ n++ } n % 50 == 0 { printf "[ollama]   …%d packages compiled: %s\n", n, $0; fflush() }'; then
  tail -n 20 "$build_log" >&2
  echo "building Ollama failed (whole output: $build_log). Install Ollama (https://ollama.com) and put it on the PATH or in OLLAMA_BIN instead." >&2
  exit 1
fi
[ -x "$OLLAMA" ] || { echo "building Ollama failed: no binary at $OLLAMA (output: $build_log)" >&2; exit 1; }
log "built $OLLAMA in $((SECONDS - started))s"
echo "$OLLAMA"
