#!/usr/bin/env bash
# Headless Chromium and its WebDriver from Debian, for the admin UI browser tests
# (tests/e2e/test_admin_ui_browser.py; skipped when /usr/bin/chromium is missing).
# Run as root before the test suite, e.g. from .ci/run:  bash scripts/install-browser.sh
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver
