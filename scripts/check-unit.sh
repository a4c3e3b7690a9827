#!/usr/bin/env bash
# Checks systemd/feedd.service, and the template feedd@.service made from it,
# the way systemd will read them:
#  - systemd-analyze verify, on a copy whose ExecStart points at the binary
#    just built (the shipped unit names the installed path) and with the man
#    page from man/ on MANPATH (Documentation=man:feedd(1));
#  - systemd-analyze security --offline=true --threshold=2 (exposure <= 0.2).
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
systemd-analyze security --offline=true --threshold=2 systemd/feedd.service | tail -1
echo "PASS systemd-analyze security --offline=true --threshold=2"

# The template (scripts/instance-unit.sh), checked as an instance.
scripts/instance-unit.sh < "$tmp/feedd.service" > "$tmp/feedd@.service"
ln -s "feedd@.service" "$tmp/feedd@example.service"
MANPATH="$tmp/man:" systemd-analyze verify "$tmp/feedd@example.service"
echo "PASS systemd-analyze verify feedd@example.service"
# (the shipped text, as for feedd.service above: the exposure does not depend on the binary's path)
mkdir -p "$tmp/template"
scripts/instance-unit.sh < systemd/feedd.service > "$tmp/template/feedd@.service"
ln -s "feedd@.service" "$tmp/template/feedd@example.service"
systemd-analyze security --offline=true --threshold=2 "$tmp/template/feedd@example.service" | tail -1
echo "PASS systemd-analyze security --offline=true --threshold=2 feedd@example.service"
