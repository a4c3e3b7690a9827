#!/bin/bash
# The operator's checks of feedd's systemd unit, run as root INSIDE the
# Debian 12 guest that scripts/vm-check.sh boots (by vmcheck.service, after
# multi-user.target). Every result is one line on the serial console:
#   VMCHECK PASS|FAIL <check>: <detail>     one per check, in order
#   VMCHECK INFO <text>                     for information only
#   VMCHECK JOURNAL <line>                  feedd's journal, when a check failed
#   VMCHECK DONE pass=N fail=M              last; vm-check.sh waits for it
# Not `set -e`: every check runs and reports, whatever the one before it did.
set -uo pipefail
export SYSTEMD_PAGER= SYSTEMD_COLORS=0 LC_ALL=C.UTF-8

pass=0
fail=0
say() { printf 'VMCHECK %s\n' "$*"; }
ok() { pass=$((pass + 1)); say "PASS $1: $2"; }
bad() { fail=$((fail + 1)); say "FAIL $1: $2"; }
info() { say "INFO $*"; }
# One line, so that a multi-line error stays one console line.
oneline() { tr '\n' ' ' | sed 's/ *$//'; }

# The paths the installed configuration names (systemd/feedd.toml in the repo).
conf=/etc/feedd/feedd.toml
toml_top() { sed -n "s/^$1 *= *\"\\(.*\\)\".*/\\1/p" "$conf" | head -1; }
source_dir=$(toml_top source)
output_dir=$(toml_top output)
# The file of the first [[feed]] whose kind is publication.
pub_file=$(awk '
    /^\[\[feed\]\]/ { if (kind == "publication" && file != "") { print file; exit } kind = ""; file = ""; next }
    /^kind *=/ { v = $0; sub(/^[^"]*"/, "", v); sub(/".*/, "", v); kind = v }
    /^file *=/ { v = $0; sub(/^[^"]*"/, "", v); sub(/".*/, "", v); file = v }
    END { if (kind == "publication" && file != "") print file }' "$conf" | head -1)
pub_feed="$output_dir/$pub_file"

info "guest: $(uname -r), $(systemctl --version | head -1)"
if type -P kill >/dev/null; then
    info "a kill binary is installed: $(type -P kill)"
else
    info "no kill binary on PATH (procps is not installed); only shells' builtin kill"
fi
info "config $conf: source=$source_dir output=$output_dir publications feed=$pub_feed"

# 1. The sysusers and tmpfiles snippets. `make install` only copies them
# (to /usr/local/lib/{sysusers,tmpfiles}.d); the guest booted with them in
# place, so the boot's systemd-sysusers.service and
# systemd-tmpfiles-setup.service may have applied them already. Then the
# README's commands, as an operator (or a package's postinst) runs them.
state() {
    local s=""
    getent passwd feedd >/dev/null && s+="user feedd, " || s+="no user feedd, "
    for d in "$source_dir" "$output_dir"; do
        [ -d "$d" ] && s+="$d, " || s+="no $d, "
    done
    printf '%s' "${s%, }"
}
info "before systemd-sysusers/systemd-tmpfiles: $(state)"
sysusers_out=$(systemd-sysusers 2>&1); sysusers_rc=$?
tmpfiles_out=$(systemd-tmpfiles --create 2>&1); tmpfiles_rc=$?
[ -n "$sysusers_out" ] && info "systemd-sysusers (exit $sysusers_rc): $(oneline <<<"$sysusers_out")"
[ -n "$tmpfiles_out" ] && info "systemd-tmpfiles --create (exit $tmpfiles_rc): $(oneline <<<"$tmpfiles_out")"
owner=$(stat -c %U:%G "$output_dir" 2>/dev/null || echo none)
if [ $sysusers_rc = 0 ] && [ $tmpfiles_rc = 0 ] && getent passwd feedd >/dev/null \
    && [ -d "$source_dir" ] && [ -d "$output_dir" ] && [ "$owner" = feedd:feedd ]; then
    ok sysusers-tmpfiles "user feedd ($(getent passwd feedd | cut -d: -f3,6)), $source_dir, $output_dir owned by $owner"
else
    bad sysusers-tmpfiles "sysusers exit $sysusers_rc, tmpfiles exit $tmpfiles_rc; $(state); $output_dir owned by $owner"
fi

# 2. enable --now, active within 20 s.
systemctl daemon-reload
enable_out=$(systemctl enable --now feedd 2>&1); enable_rc=$?
[ -n "$enable_out" ] && info "systemctl enable --now feedd (exit $enable_rc): $(oneline <<<"$enable_out")"
active=$(systemctl is-active feedd)
for _ in $(seq 1 40); do
    [ "$active" = active ] && break
    sleep 0.5
    active=$(systemctl is-active feedd)
done
if [ $enable_rc = 0 ] && [ "$active" = active ]; then
    ok start "systemctl enable --now feedd exit 0, is-active: active (MainPID $(systemctl show -P MainPID feedd))"
else
    bad start "systemctl enable --now feedd exit $enable_rc, is-active: $active"
fi

# feedd's own lines in the journal (the unit's processes, not PID 1's).
feedd_lines() { journalctl -b _SYSTEMD_UNIT=feedd.service -o cat --no-pager 2>/dev/null; }
count_reloaded() { feedd_lines | grep -cE '"event":"reloaded"|configuration reloaded'; }

# 3. reload: exit 0, still active, feedd logs its reload line within 10 s.
before=$(count_reloaded)
reload_out=$(systemctl reload feedd 2>&1); reload_rc=$?
after=$(count_reloaded)
for _ in $(seq 1 20); do
    [ "$after" -gt "$before" ] && break
    sleep 0.5
    after=$(count_reloaded)
done
active=$(systemctl is-active feedd)
line=$(feedd_lines | grep -E '"event":"reloaded"|configuration reloaded' | tail -1)
detail="systemctl reload feedd exit $reload_rc${reload_out:+ ($(oneline <<<"$reload_out"))}, is-active: $active, reload lines: $before -> $after"
if [ $reload_rc = 0 ] && [ "$active" = active ] && [ "$after" -gt "$before" ]; then
    ok reload "$detail: $line"
else
    bad reload "$detail"
    info "ExecReload: $(systemctl show -P ExecReload feedd)"
fi

# 4. A new Markdown entry, written atomically (a hidden temp name feedd
# ignores, then rename(2)), is in the publications feed within 10 s.
entry="$source_dir/vm-paper.md"
tmp="$source_dir/.vm-paper.md.tmp"
printf -- '---\nkind: publication\nid: vm-paper\ntitle: "VM paper"\ndate: 2026-01-01\n---\nBody.\n' > "$tmp" \
    && mv -f "$tmp" "$entry"
start=$(date +%s%N)
found=no
for _ in $(seq 1 40); do
    if grep -q 'VM paper' "$pub_feed" 2>/dev/null; then found=yes; break; fi
    sleep 0.25
done
ms=$((($(date +%s%N) - start) / 1000000))
if [ $found = yes ]; then
    ok new-entry "\"VM paper\" in $pub_feed after ${ms} ms: $(grep -o '<title[^>]*>VM paper</title>' "$pub_feed" | head -1)"
else
    bad new-entry "\"VM paper\" not in $pub_feed after ${ms} ms; $output_dir holds: $(ls -l "$output_dir" 2>&1 | oneline)"
fi

# 5. stop: exit 0, the main process exited 0, Result=success.
stop_out=$(systemctl stop feedd 2>&1); stop_rc=$?
status=$(systemctl show -P ExecMainStatus feedd)
code=$(systemctl show -P ExecMainCode feedd)
result=$(systemctl show -P Result feedd)
detail="systemctl stop feedd exit $stop_rc${stop_out:+ ($(oneline <<<"$stop_out"))}, ExecMainCode=$code ExecMainStatus=$status Result=$result"
if [ $stop_rc = 0 ] && [ "$status" = 0 ] && [ "$result" = success ]; then
    ok stop "$detail"
else
    bad stop "$detail"
fi

# 6. Another output directory: the sandbox refuses it and feedd's error line
# names the drop-in; with that drop-in the feeds appear there (README, "Another
# output directory").
other=/srv/feedd/other-feeds
install -d -o feedd -g feedd -m 0755 "$other"
sed -i "s|^output *=.*|output = \"$other\"|" "$conf"
systemctl start feedd
hint=no
for _ in $(seq 1 40); do
    if feedd_lines | grep -q "ReadWritePaths=$other"; then hint=yes; break; fi
    sleep 0.25
done
mkdir -p /etc/systemd/system/feedd.service.d
printf '[Service]\nReadWritePaths=%s\n' "$other" > /etc/systemd/system/feedd.service.d/output.conf
systemctl daemon-reload
systemctl restart feedd
moved=no
for _ in $(seq 1 40); do
    if grep -q 'VM paper' "$other/$pub_file" 2>/dev/null; then moved=yes; break; fi
    sleep 0.25
done
systemctl stop feedd
if [ $hint = yes ] && [ $moved = yes ]; then
    ok other-output "refused without a drop-in, its error naming ReadWritePaths=$other; with the drop-in, $other/$pub_file written"
else
    bad other-output "hint in the journal: $hint; feed in $other with the drop-in: $moved ($(ls "$other" 2>&1 | oneline))"
fi

# 7. The unit's journal, PID 1's lines about the unit (Starting..., Started...,
# Reloading..., Stopping..., Deactivated...) left out: every line another
# process wrote must be one of feedd's own text lines under journald,
# "LEVEL MESSAGE". Anything else (the Swift runtime's "Failed to set thread
# priority for worker thread: ... errno=1", a reload helper's error) fails,
# quoted verbatim. `-o export` gives each entry's _PID and _COMM with it.
journal=$(journalctl -b -u feedd -o export --no-pager --output-fields=_PID,_COMM,MESSAGE 2>&1)
checked=0
strays=()
while IFS=$'\x1f' read -r pid comm msg; do
    [ "$pid" = 1 ] && continue
    checked=$((checked + 1))
    if [ "$comm" = feedd ] && [[ "$msg" =~ ^(trace|debug|info|notice|warning|error|critical)\ [^\ ] ]]; then
        continue
    fi
    strays+=("_PID=$pid _COMM=$comm: $msg")
done < <(awk '
    function flush() { if (have) print pid "\037" comm "\037" msg; have = 0; pid = ""; comm = ""; msg = "" }
    /^$/ { flush(); next }
    /^_PID=/ { pid = substr($0, 6); have = 1; next }
    /^_COMM=/ { comm = substr($0, 7); have = 1; next }
    /^MESSAGE=/ { msg = substr($0, 9); have = 1; next }
    /^MESSAGE$/ { msg = "(binary MESSAGE field)"; have = 1; next }
    END { flush() }' <<<"$journal")
if [ $checked -gt 0 ] && [ ${#strays[@]} = 0 ]; then
    ok journal "$checked lines from the unit's processes (PID 1's left out), all feedd's \"LEVEL MESSAGE\""
else
    bad journal "$checked lines from the unit's processes (PID 1's left out), ${#strays[@]} not feedd's \"LEVEL MESSAGE\" lines:"
    for s in "${strays[@]}"; do say "FAIL journal:   $s"; done
fi

# For information: systemd-analyze security, as the guest's systemd sees the unit.
security=$(systemd-analyze security feedd 2>&1)
info "systemd-analyze security feedd: $(grep -E 'Overall exposure' <<<"$security" | sed 's/^→ *//')"
grep -E '^✗' <<<"$security" | sed 's/  */ /g' | while IFS= read -r l; do info "  $l"; done

if [ $fail -gt 0 ]; then
    journalctl -b -u feedd -o short-monotonic --no-pager | while IFS= read -r l; do say "JOURNAL $l"; done
fi
say "DONE pass=$pass fail=$fail"
