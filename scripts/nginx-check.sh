#!/usr/bin/env bash
# nginx-check.sh [FEEDD]: the feeds served by nginx on systemd/nginx-feedd.conf,
# checked with real requests (issue 16). Starts nginx on 127.0.0.1 with only
# the conf's `listen` and `root` lines changed, over feeds feedd writes from the
# sample (every format), and checks: content types with charset (Atom, RSS,
# JSON Feed, XSL), an ETag and 304 on If-None-Match, gzip on request with
# Vary, two same-size rewrites of publications.atom within one second giving
# a new ETag (the old one gets 200, not 304), newsboat subscribing over
# http://, and headless Chromium opening publications.atom getting a page with
# working links instead of the XML. Installs nginx-light, curl, newsboat and
# chromium when missing. Stops nginx whatever happens. About 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
FEEDD=${1:-$(swift build --show-bin-path)/feedd}

need=()
for p in nginx-light curl newsboat chromium; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
    echo "nginx-check: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq >/dev/null; apt-get install -y -qq "${need[@]}" >/dev/null; }
fi

work=$(mktemp -d /tmp/feedd-nginx-XXXXXX)
chmod 0755 "$work"   # nginx's workers (www-data) read the web root below it
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
failures=0
check() { # NAME CONDITION-RESULT(0/1) DETAIL
    if [ "$2" = 0 ]; then echo "PASS $1"; else echo "FAIL $1: $3"; failures=$((failures + 1)); fi
}

# The sample's feeds, every format, into the web root.
root="$work/feeds"
"$FEEDD" --once --config Config/feedd.toml --output "$root" --state-dir "$work/state" 2>"$work/feedd.log" || { cat "$work/feedd.log"; exit 1; }

# The shipped conf with only `listen` and `root` edited.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|^\(    listen \)80;.*|\1127.0.0.1:$port;|" -e "s|^\(    root \)/srv/feedd/feeds;.*|\1$root;|" systemd/nginx-feedd.conf > "$work/feedd-site.conf"
changed=$(diff systemd/nginx-feedd.conf "$work/feedd-site.conf" | grep -c '^>' || true)
check "only listen and root edited ($changed lines)" "$([ "$changed" = 2 ] && echo 0 || echo 1)" "$(diff systemd/nginx-feedd.conf "$work/feedd-site.conf" || true)"
mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
error_log $work/logs/error.log;
pid $work/nginx.pid;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $work/logs/access.log;
    client_body_temp_path $work/body;
    proxy_temp_path $work/proxy;
    fastcgi_temp_path $work/fastcgi;
    uwsgi_temp_path $work/uwsgi;
    scgi_temp_path $work/scgi;
    include $work/feedd-site.conf;
}
CONF
nginx -t -p "$work" -c "$work/nginx.conf" 2>"$work/logs/t.log" || { cat "$work/logs/t.log"; exit 1; }
nginx -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
base="http://127.0.0.1:$port"

ctype() { curl -s -o /dev/null -w '%{content_type}' -H "Accept: ${2:-*/*}" "$base/$1"; }
check "Atom content type" "$([ "$(ctype publications.atom)" = "application/atom+xml; charset=utf-8" ] && echo 0 || echo 1)" "$(ctype publications.atom)"
check "RSS content type" "$([ "$(ctype publications.rss)" = "application/rss+xml; charset=utf-8" ] && echo 0 || echo 1)" "$(ctype publications.rss)"
check "JSON Feed content type" "$([ "$(ctype publications.json)" = "application/feed+json; charset=utf-8" ] && echo 0 || echo 1)" "$(ctype publications.json)"
check "XSL content type" "$([ "$(ctype feed.xsl)" = "text/xsl; charset=utf-8" ] && echo 0 || echo 1)" "$(ctype feed.xsl)"

headers() { curl -s -D - -o /dev/null "$@"; }
etag=$(headers "$base/publications.atom" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
check "an ETag" "$([ -n "$etag" ] && echo 0 || echo 1)" "none"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/publications.atom")
check "304 on If-None-Match" "$([ "$code" = 304 ] && echo 0 || echo 1)" "got $code"
gz=$(headers -H 'Accept-Encoding: gzip' "$base/publications.atom" | tr -d '\r')
check "gzip on request" "$(echo "$gz" | grep -qi '^Content-Encoding: gzip' && echo 0 || echo 1)" "$gz"
check "Vary: Accept-Encoding" "$(echo "$gz" | grep -qi '^Vary: .*Accept-Encoding' && echo 0 || echo 1)" "$gz"
check "Cache-Control on feeds" "$(echo "$gz" | grep -qi '^Cache-Control: max-age=300' && echo 0 || echo 1)" "$gz"

# Two rewrites of the same size within one second: the first one's ETag must not get 304.
cfg="$work/edit.toml"
cp -r Config/sample "$work/src"
sed -e "s|^source = .*|source = \"$work/src\"|" -e "s|^output = .*|output = \"$root\"|" -e "s|^state_dir = .*|state_dir = \"$work/state\"|" Config/feedd.toml > "$cfg"
paper="$work/src/publications/quillfish-2025.md"
sed -i 's/^title: "Quillfish: /title: "Quillfisk: /' "$paper"
"$FEEDD" --once --config "$cfg" 2>>"$work/feedd.log"
first=$(headers "$base/publications.atom" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
size1=$(stat -c %s "$root/publications.atom")
sed -i 's/^title: "Quillfisk: /title: "Quillfish: /' "$paper"
"$FEEDD" --once --config "$cfg" 2>>"$work/feedd.log"
size2=$(stat -c %s "$root/publications.atom")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $first" "$base/publications.atom")
check "same-size rewrite within a second: old ETag gets 200 (sizes $size1, $size2)" "$([ "$code" = 200 ] && [ "$size1" = "$size2" ] && echo 0 || echo 1)" "got $code"

# RFC 5005 archive documents over HTTP: 60 more papers than the feed's cap
# shows go to publications-archive-1.*, linked from the feed by prev-archive.
for n in $(seq 1 60); do
    printf -- '---\nid: nginx-archive-%s\ntitle: "Archived paper %s"\ndate: 2001-01-%02d\n---\nAn invented abstract.\n' \
        "$n" "$n" "$(( n % 28 + 1 ))" > "$work/src/publications/nginx-archive-$n.md"
done
"$FEEDD" --once --config "$cfg" 2>>"$work/feedd.log"
prev=$(curl -s "$base/publications.atom" | grep -o '<link rel="prev-archive"[^>]*href="[^"]*"' | sed 's/.*href="//; s/"$//')
check "publications.atom links its archive ($prev)" "$([ "${prev##*/}" = publications-archive-1.atom ] && echo 0 || echo 1)" "none"
check "archive document content type" "$([ "$(ctype publications-archive-1.atom)" = "application/atom+xml; charset=utf-8" ] && echo 0 || echo 1)" "$(ctype publications-archive-1.atom)"
# Bodies are read whole first: `curl | grep -q` under pipefail fails when grep stops reading early.
archive=$(curl -s "$base/publications-archive-1.atom")
archived=$(echo "$archive" | grep -c '<entry>' || true)
aetag=$(headers "$base/publications-archive-1.atom" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $aetag" "$base/publications-archive-1.atom")
check "archive document: $archived entries, fh:archive, 304 on its ETag" "$([ "$archived" -gt 0 ] && [ "$code" = 304 ] && [[ "$archive" == *'<fh:archive/>'* ]] && echo 0 || echo 1)" "got $code"

# A real reader over http://.
echo "$base/publications.atom" > "$work/urls"
out=$(HOME="$work" newsboat -u "$work/urls" -c "$work/cache.db" -x reload print-unread 2>&1 || true)
check "newsboat over http:// ($out)" "$(echo "$out" | grep -q '^[1-9][0-9]* unread articles' && echo 0 || echo 1)" "$out"

# A browser: headless Chromium opening the feed's URL gets a page with links.
browser=$(command -v chromium || command -v chromium-browser)
dom=$(timeout 60 "$browser" --headless --no-sandbox --disable-gpu --dump-dom "$base/publications.atom" 2>/dev/null || true)
links=$(echo "$dom" | grep -o '<a href="https://[^"]*"' | wc -l)
check "Chromium gets a page with working links ($links links)" "$([[ "$dom" == *'<html'* ]] && [ "$links" -gt 3 ] && [[ "$dom" != *'<feed'* ]] && echo 0 || echo 1)" "$(echo "$dom" | head -c 300)"
# Every link on it answers.
bad=0
for href in $(echo "$dom" | grep -o 'href="[^"#]*"' | sed 's/href="//; s/"$//' | grep -v '^https\?://[^1]' | sort -u); do
    url=$href; case "$href" in http*) ;; *) url="$base/$href" ;; esac
    c=$(curl -s -o /dev/null -w '%{http_code}' "$url"); [ "$c" = 200 ] || { echo "  $url → $c"; bad=$((bad + 1)); }
done
check "the page's links to this site answer 200" "$([ "$bad" = 0 ] && echo 0 || echo 1)" "$bad broken"

if [ "$failures" -gt 0 ]; then echo "nginx-check: $failures check(s) failed"; tail -5 "$work/logs/error.log" || true; exit 1; fi
echo "nginx-check: all passed"
