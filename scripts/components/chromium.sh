#!/usr/bin/env bash
# Chromium for the Web UI browser test (tests/replay/web-ui.test.ts), driven by
# playwright-core. Debian's own package, because no browser can be downloaded from a
# CDN here; installed once, idempotently. Exports CHROMIUM_PATH for the tests.
set -euo pipefail

find_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if ! binary=$(find_chromium); then
  if ! command -v apt-get >/dev/null; then
    echo "Chromium is missing and this machine has no apt-get: install Chromium and set CHROMIUM_PATH to its binary." >&2
    exit 1
  fi
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "Installing Debian's chromium with apt-get (once)…"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
  binary=$(find_chromium) || { echo "apt-get installed chromium but no binary was found at /usr/bin/chromium." >&2; exit 1; }
fi

echo "$("$binary" --version 2>/dev/null || echo "$binary (version unknown)")"
if [ -n "${BABYBOT_TEST_ENV:-}" ]; then
  echo "export CHROMIUM_PATH=$binary" >> "$BABYBOT_TEST_ENV"
fi
