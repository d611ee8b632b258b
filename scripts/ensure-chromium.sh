#!/usr/bin/env bash
# Makes sure a headless Chromium is on PATH for the HTML drift report's
# browser test (test/integration/drift-report-browser.test.ts). Installs the
# Debian `chromium` package when it is missing; needs root (CI and the dev
# container run as root) and prints what it did. Idempotent: a no-op when
# chromium (or $CHROMIUM_PATH) is already there.
set -euo pipefail

if [[ -n "${CHROMIUM_PATH:-}" && -x "$CHROMIUM_PATH" ]]; then
  echo "[chromium] using CHROMIUM_PATH=$CHROMIUM_PATH"
  exit 0
fi
if command -v chromium >/dev/null 2>&1; then
  echo "[chromium] found $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[chromium] not found and apt-get is not available: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "[chromium] not found; installing it needs root: sudo apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi
echo "[chromium] not found; installing the Debian package 'chromium' (apt-get update && apt-get install -y --no-install-recommends chromium)"
t0=$SECONDS
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "[chromium] installed $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown')) in $((SECONDS - t0)) s"
