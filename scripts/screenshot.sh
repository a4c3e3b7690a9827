#!/usr/bin/env bash
# Takes a screenshot of Feeds/index.html with headless Chromium, as a person
# would see it: scripts/screenshot.sh [PAGE] [OUT.png]
# (run `make run` first; installs chromium when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
page="${1:-Feeds/index.html}"
out="${2:-Feeds/index.png}"
[ -f "$page" ] || { echo "screenshot: no $page; run 'make run' first" >&2; exit 1; }
if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium fonts-dejavu-core >/dev/null || { apt-get update -qq >/dev/null; apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }
fi
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=1100,1600 --screenshot="$out" "file://$PWD/$page" 2>/dev/null
echo "screenshot: $out"
