#!/usr/bin/env bash
# Installs what feedd needs to build, run and test, when it is missing.
# Idempotent and quiet when everything is there. Debian/Ubuntu (apt-get).
#   scripts/setup.sh          build and run: libxml2, cmark-gfm, SQLite and libcurl headers, pkg-config
#   scripts/setup.sh --test   also the tools the tests use: xmllint, newsboat,
#                             systemd-analyze, inotify tools, python3-venv,
#                             the jsonschema Python library (log contract tests)
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH. Install Swift 6 (https://www.swift.org/install/linux/) first." >&2
    exit 1
fi

missing=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# libcurl4-openssl-dev: FoundationNetworking (WebSub pings) links libcurl; the static-stdlib release build needs its link-time library.
for p in libxml2-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libsqlite3-dev libcurl4-openssl-dev pkg-config; do have_pkg "$p" || missing+=("$p"); done
if [ "$want_test" = 1 ]; then
    for p in libxml2-utils newsboat systemd python3-venv sqlite3; do have_pkg "$p" || missing+=("$p"); done
fi

if [ "${#missing[@]}" -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: please install: ${missing[*]}" >&2
        exit 1
    fi
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; then
        $sudo apt-get update -qq >/dev/null
        $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

# The log contract's tests validate real lines with python-jsonschema (PyPI).
if [ "$want_test" = 1 ] && ! python3 -c "import jsonschema" >/dev/null 2>&1; then
    echo "setup: installing the jsonschema Python library" >&2
    python3 -m pip install -q jsonschema >/dev/null
fi

# judge-feed (the shared feed judges) sets up its feedparser environment on
# its first run. The tests run it from many processes at once, and two first
# runs race (one sees the environment before feedparser is in it), so it is
# set up here, once, by judging a one-entry feed.
judge="${FEEDD_SHARED:-../shared}/tools/judge-feed"
venv_py="${XDG_CACHE_HOME:-$HOME/.cache}/feedd-judges/venv/bin/python3"
if [ "$want_test" = 1 ] && [ -x "$judge" ] && ! "$venv_py" -c "import feedparser" >/dev/null 2>&1; then
    echo "setup: setting up the feed judges (feedparser)" >&2
    warm=$(mktemp -d)
    cat > "$warm/setup.atom" <<'ATOM'
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:feedd:setup</id><title>setup</title><updated>2026-01-01T00:00:00Z</updated><author><name>feedd</name></author><entry><id>urn:feedd:setup:1</id><title>setup</title><updated>2026-01-01T00:00:00Z</updated></entry></feed>
ATOM
    "$judge" "$warm/setup.atom" >/dev/null || true
    rm -rf "$warm"
    "$venv_py" -c "import feedparser" >/dev/null 2>&1 || { echo "setup: the feed judges could not install feedparser (PyPI)" >&2; exit 1; }
fi
