#!/usr/bin/env bash
# Make sure Debian's chromium is installed, for the dashboard's browser test
# (tests/test_dashboard_browser.py drives it with Playwright). Source it or run it.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "ensure_chromium: installing chromium from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi
