#!/usr/bin/env bash
# Checks systemd/feedd.service the way systemd will read it:
#  - systemd-analyze verify, on a copy whose ExecStart points at the binary
#    just built (the shipped unit names the installed path) and with the man
#    page from man/ on MANPATH (Documentation=man:feedd(1));
#  - systemd-analyze security --offline=true --threshold=3 (exposure <= 0.3: 0.2, and
#    0.1 for re-allowing setpriority, one call of @resources).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build --show-bin-path)/feedd}"
[ -x "$bin" ] || { echo "check-unit: no feedd binary at $bin; run swift build first" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/local/bin/feedd|$bin|" systemd/feedd.service > "$tmp/feedd.service"
mkdir -p "$tmp/man/man1"
cp man/feedd.1 "$tmp/man/man1/"
MANPATH="$tmp/man:" systemd-analyze verify "$tmp/feedd.service"
echo "PASS systemd-analyze verify systemd/feedd.service"
systemd-analyze security --offline=true --threshold=3 systemd/feedd.service | tail -1
echo "PASS systemd-analyze security --offline=true --threshold=3"
