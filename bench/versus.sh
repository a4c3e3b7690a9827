#!/usr/bin/env bash
# bench/versus.sh — feedd builds side by side on one machine: first runs
# (empty state) interleaved with ref_atom, so every build and the reference
# see the same drift; with CALLGRIND=1 also the instructions each build
# spends per source file, a count the machine's drift cannot move.
#
#   bench/versus.sh NAME=BINARY[@CONFIG] ...
#
#   git worktree add /tmp/old 8218acb && (cd /tmp/old && swift build -c release --product feedd --static-swift-stdlib)
#   grep -v '^archive' bench/bench.toml >/tmp/bench-old.toml   # 8218acb predates the archive key
#   bench/versus.sh old=/tmp/old/.build/release/feedd@/tmp/bench-old.toml new=.build/release/feedd
#
# CONFIG defaults to bench/bench.toml (the built-in feeds). Knobs: N=100000
# (the corpus of bench/run.sh, bench/out/corpus-N), RUNS=9 rounds, CALLGRIND=1,
# SHARED=../shared. ref_atom and the corpus are bench/run.sh's: run
# `CONFIGS=builtin CASES=cold RUNS=1 bench/run.sh` once first. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
RUNS=${RUNS:-9}
SHARED=${SHARED:-../shared}
CORPUS=bench/out/corpus-$N
REF=bench/out/ref_atom
die() { printf 'bench/versus.sh: %s\n' "$*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source bench/lib.sh

[[ $# -gt 0 ]] || die "usage: bench/versus.sh NAME=BINARY[@CONFIG] ... (see the header)"
[[ -x $REF && -d $CORPUS ]] || die "no $REF or $CORPUS: run 'N=$N CONFIGS=builtin CASES=cold RUNS=1 bench/run.sh' once first"
[[ -x /usr/bin/time ]] || die "no /usr/bin/time (apt-get install time)"
names=()
declare -A bin=() cfg=() wall=() cpu=()
for arg in "$@"; do
    [[ $arg == *=* ]] || die "'$arg' is not NAME=BINARY[@CONFIG]"
    name=${arg%%=*} rest=${arg#*=}
    [[ $name =~ ^[A-Za-z0-9._-]+$ && $name != ref ]] || die "'$name': a build's name is letters, digits, . _ - (and not ref)"
    [[ -z ${bin[$name]:-} ]] || die "two builds are named '$name'"
    bin[$name]=${rest%%@*}
    cfg[$name]=bench/bench.toml
    [[ $rest == *@* ]] && cfg[$name]=${rest#*@}
    [[ -x ${bin[$name]} ]] || die "${bin[$name]} is not an executable"
    [[ -f ${cfg[$name]} ]] || die "no config ${cfg[$name]}"
    names+=("$name")
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# timed NAME COMMAND...: appends the wall and CPU (user + system) seconds.
timed() {
    local name=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >"$work/out.log" 2>&1 || die "failed: $* (see $work/out.log)"
    read -r w u s <"$work/time"
    wall[$name]+="$w "
    cpu[$name]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
}
first_run() {  # NAME CORPUS: sets args to a first run's arguments, after clearing its output ($work/NAME)
    rm -rf "${work:?}/$1"
    args=(--once --config "${cfg[$1]}" --source "$2" --output "$work/$1/feeds" --state-dir "$work/$1/state")
}
median() { printf '%s\n' $1 | median_of | awk '{ printf "%.3f", $1 }'; }

printf '==> %s rounds on %s: ref_atom, then %s (load average %s)\n' "$RUNS" "$CORPUS" "${names[*]}" "$(loadavg)" >&2
"$REF" "$CORPUS" "$work/ref.xml" 50 >/dev/null  # page cache
for ((round = 1; round <= RUNS; round++)); do
    timed ref "$REF" "$CORPUS" "$work/ref.xml" 50
    for name in "${names[@]}"; do
        first_run "$name" "$CORPUS"
        timed "$name" "${bin[$name]}" "${args[@]}"
    done
done

ref_wall=$(median "${wall[ref]}")
printf '\n| build | first run, wall (median of %s) | ÷ ref_atom | CPU, user + system |\n|---|---|---|---|\n' "$RUNS"
printf '| ref_atom | %s s | 1 | %s s |\n' "$ref_wall" "$(median "${cpu[ref]}")"
for name in "${names[@]}"; do
    w=$(median "${wall[$name]}")
    printf '| %s | %s s | %s | %s s |\n' "$name" "$w" "$(awk -v a="$w" -v b="$ref_wall" 'BEGIN { printf "%.2f", a / b }')" "$(median "${cpu[$name]}")"
done

[[ ${CALLGRIND:-0} == 1 ]] || exit 0
command -v valgrind >/dev/null || die "CALLGRIND=1 needs valgrind (apt-get install valgrind)"
# Instructions per file: a run on 6,000 entries less a run on 3,000, over
# 3,000 (the start-up, the config and the feeds' rendering cancel out).
# Valgrind cannot read the Swift toolchain's debug info: it runs a copy without.
# Its CPU has no SHA extensions, so SHA-256 counts the slower AVX path.
for n in 3000 6000; do
    [[ -d bench/out/corpus-$n ]] || "$SHARED/tools/gen-corpus" "$n" "bench/out/corpus-$n" >/dev/null
done
instructions() {  # NAME CORPUS
    first_run "$1" "$2"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" "$work/bin-$1" "${args[@]}" >/dev/null 2>&1
    awk '/^summary:/ { s += $2 } END { printf "%.0f\n", s }' "$work"/cg.*
    rm -f "$work"/cg.*
}
printf '\n| build | instructions per file (callgrind, first run) |\n|---|---|\n'
for name in "${names[@]}"; do
    objcopy --strip-debug "${bin[$name]}" "$work/bin-$name"
    small=$(instructions "$name" bench/out/corpus-3000)
    large=$(instructions "$name" bench/out/corpus-6000)
    printf '| %s | %s |\n' "$name" "$(awk -v a="$large" -v b="$small" 'BEGIN { printf "%.0f", (a - b) / 3000 }')"
done
