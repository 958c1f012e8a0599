#!/usr/bin/env bash
# Chromium for the Web UI browser test (tests/replay/web-ui.test.ts), driven by
# playwright-core. Debian's own package, because no browser can be downloaded from a
# CDN here; installed once, idempotently. Exports CHROMIUM_PATH for the tests.
set -euo pipefail
# shellcheck source=scripts/lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"

find_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if ! binary=$(find_chromium); then
  apt_install 'install Chromium and set CHROMIUM_PATH to its binary.' chromium fonts-liberation
  binary=$(find_chromium) || { echo "apt-get installed chromium but no binary was found at /usr/bin/chromium." >&2; exit 1; }
fi

echo "$("$binary" --version 2>/dev/null || echo "$binary (version unknown)")"
if [ -n "${BABYBOT_TEST_ENV:-}" ]; then
  echo "export CHROMIUM_PATH=$binary" >> "$BABYBOT_TEST_ENV"
fi
