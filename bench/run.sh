#!/usr/bin/env bash
# bench/run.sh — measure feedd against the libxml2 reference (ref_atom), in
# one run, on one synthetic corpus. See bench/README.md.
#
# Knobs (environment):
#   N=100000       corpus size (entries)
#   RUNS=5         hyperfine runs per case (after one warm-up run)
#   FEEDD_BIN=…    use this binary instead of building feedd in release mode
#                  (as `make install` does: swift build -c release --static-swift-stdlib)
#   SHARED=../shared   the shared directory (gen-corpus, ref_atom.c)
#
# Prints a Markdown table and writes it to bench/out/results.md. Missing a
# bound is reported, not fatal: this is a measurement, not a test. The exit
# status is non-zero only when something could not be measured at all.
set -euo pipefail

cd "$(dirname "$0")/.."

N=${N:-100000}
RUNS=${RUNS:-5}
SHARED=${SHARED:-../shared}

OUT=bench/out
CORPUS=$OUT/corpus-$N
STATE=$OUT/feedd-state
FEEDS=$OUT/feeds
REF_BIN=$OUT/ref_atom
REF_XML=$OUT/ref.xml
RESULTS=$OUT/results.md
FEED_CAP=50

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }

[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$N'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, got '$RUNS'"
[[ -x $SHARED/tools/gen-corpus ]] || die "no $SHARED/tools/gen-corpus (set SHARED)"
[[ -f $SHARED/bench/ref_atom.c ]] || die "no $SHARED/bench/ref_atom.c (set SHARED)"
mkdir -p "$OUT"

# --- tools -----------------------------------------------------------------

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    sudo_cmd=(sudo)
fi

# apt_install PACKAGE...: install; on failure refresh the package lists once
# and try again (fresh containers often have no lists at all).
apt_updated=0
apt_install() {
    log "installing $*"
    if ! DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "$@" >/dev/null; then
        if [[ $apt_updated -eq 0 ]]; then
            "${sudo_cmd[@]}" apt-get update -qq
            apt_updated=1
        fi
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "$@" >/dev/null
    fi
}

command -v python3 >/dev/null || apt_install python3
command -v hyperfine >/dev/null || apt_install hyperfine
[[ -x /usr/bin/time ]] || apt_install time
command -v cc >/dev/null || apt_install gcc libc6-dev
command -v pkg-config >/dev/null || apt_install pkg-config
pkg-config --exists libxml-2.0 || apt_install libxml2-dev

# --- binaries ----------------------------------------------------------------

if [[ -z ${FEEDD_BIN:-} ]]; then
    command -v swift >/dev/null || die "swift not found; install the toolchain or set FEEDD_BIN"
    # Built as `make install` builds what it installs: the Swift runtime linked in.
    log "building feedd (release, --static-swift-stdlib)"
    swift build -c release --product feedd --static-swift-stdlib
    FEEDD_BIN="$(swift build -c release --show-bin-path)/feedd"
fi
[[ -x $FEEDD_BIN ]] || die "FEEDD_BIN=$FEEDD_BIN is not an executable"

if [[ ! -x $REF_BIN || $SHARED/bench/ref_atom.c -nt $REF_BIN ]]; then
    log "building $REF_BIN"
    read -r -a xml_flags <<<"$(pkg-config --cflags --libs libxml-2.0)"
    cc -O2 -o "$REF_BIN" "$SHARED/bench/ref_atom.c" "${xml_flags[@]}"
fi

# --- corpus ------------------------------------------------------------------

count_files() { find "$1" -maxdepth 1 -type f -name '*.md' | wc -l; }

if [[ -d $CORPUS && $(count_files "$CORPUS") -eq $N ]]; then
    log "reusing $CORPUS ($N files)"
else
    log "generating $CORPUS ($N files)"
    rm -rf "$CORPUS"
    "$SHARED/tools/gen-corpus" "$N" "$CORPUS"
fi
corpus_bytes=$(du -sb "$CORPUS" | cut -f1)

# The "one file changed" case edits the newest publication, so the change
# reaches the (capped) feed and it must really be re-rendered and rewritten.
CHANGE_TARGET=$(find "$CORPUS" -maxdepth 1 -type f -name '*-pub-*.md' | LC_ALL=C sort | tail -n 1)
[[ -n $CHANGE_TARGET ]] || die "no publication in $CORPUS to edit"
CHANGE_ORIG=$OUT/change-one.orig
CHANGE_COUNTER=$OUT/change-one.counter
# A previous run that was interrupted may have left the target edited.
if [[ -f $CHANGE_ORIG && -f $OUT/change-one.target && $(<"$OUT/change-one.target") == "$CHANGE_TARGET" ]]; then
    cp -- "$CHANGE_ORIG" "$CHANGE_TARGET"
fi
cp -- "$CHANGE_TARGET" "$CHANGE_ORIG"
printf '%s\n' "$CHANGE_TARGET" >"$OUT/change-one.target"
restore_target() { cp -- "$CHANGE_ORIG" "$CHANGE_TARGET"; }
trap restore_target EXIT

# --- measurements --------------------------------------------------------------

q() { printf '%q' "$1"; }

feedd_cmd="$(q "$FEEDD_BIN") --once --config bench/bench.toml --source $(q "$CORPUS") --output $(q "$FEEDS") --state-dir $(q "$STATE") --log-level warning"
cold_prepare="rm -rf $(q "$STATE") $(q "$FEEDS")"

failed=()
declare -A median=()

# measure NAME [hyperfine options...] COMMAND: median wall time in seconds.
measure() {
    local name=$1
    shift
    log "measuring $name"
    if hyperfine --style basic --warmup 1 --runs "$RUNS" \
        --export-json "$OUT/$name.json" --command-name "$name" "$@"; then
        median[$name]=$(python3 -c 'import json, sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$OUT/$name.json")
    else
        log "FAILED: $name"
        failed+=("$name")
    fi
}

measure ref "$(q "$REF_BIN") $(q "$CORPUS") $(q "$REF_XML") $FEED_CAP"

measure cold --prepare "$cold_prepare" "$feedd_cmd"
if ! compgen -G "$FEEDS/*.atom" >/dev/null; then
    log "warning: feedd wrote no .atom file into $FEEDS — is FEEDD_BIN really feedd?"
fi

measure find "find $(q "$CORPUS") -type f -printf '%s %T@ %p\n' >/dev/null"

# The machine's speed drifts (a shared VM): hyperfine's cases run minutes
# apart, so each ratio is also measured in pairs, the base command and the
# feedd command back to back, and reported as the median of the pairs' ratios.
#
# pairs NAME BASE_COMMAND PREPARE FEEDD_COMMAND (commands are eval'd; PREPARE untimed)
pairs() {
    local name=$1 base_cmd=$2 prepare=$3 cmd=$4 t0 t1 t2 t3 ratios=()
    log "measuring $name in $RUNS back-to-back pairs"
    for _ in $(seq "$RUNS"); do
        t0=$(date +%s%N)
        eval "$base_cmd" >/dev/null
        t1=$(date +%s%N)
        eval "$prepare"
        t2=$(date +%s%N)
        if ! eval "$cmd"; then
            log "FAILED: $name"
            failed+=("$name")
            return
        fi
        t3=$(date +%s%N)
        ratios+=("$(awk -v f=$((t3 - t2)) -v r=$((t1 - t0)) 'BEGIN { printf "%.3f", f / r }')")
    done
    median[$name]=$(printf '%s\n' "${ratios[@]}" | sort -n |
        awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }')
    median[${name}_all]="${ratios[*]}"
}

ref_cmd="$(q "$REF_BIN") $(q "$CORPUS") $(q "$REF_XML") $FEED_CAP"
find_cmd="find $(q "$CORPUS") -type f -printf '%s %T@ %p\n'"
pairs pairs_cold "$ref_cmd" "$cold_prepare" "$feedd_cmd"

log "populating state for the warm runs"
if ! eval "$feedd_cmd"; then
    log "FAILED: feedd run before the warm case"
fi
measure warm "$feedd_cmd"
pairs pairs_warm "$find_cmd" ":" "$feedd_cmd"

printf '0\n' >"$CHANGE_COUNTER"
measure onechange \
    --prepare "bench/change-one.sh $(q "$CHANGE_ORIG") $(q "$CHANGE_TARGET") $(q "$CHANGE_COUNTER")" \
    "$feedd_cmd"
restore_target
printf '0\n' >"$CHANGE_COUNTER"
pairs pairs_onechange "$find_cmd" "bench/change-one.sh $(q "$CHANGE_ORIG") $(q "$CHANGE_TARGET") $(q "$CHANGE_COUNTER")" "$feedd_cmd"
restore_target

log "measuring peak RSS of 3 cold runs"
rss_kb=()
for i in 1 2 3; do
    rm -rf "$STATE" "$FEEDS"
    if /usr/bin/time -f '%M' -o "$OUT/rss-$i.txt" \
        "$FEEDD_BIN" --once --config bench/bench.toml --source "$CORPUS" --output "$FEEDS" --state-dir "$STATE" --log-level warning; then
        rss_kb+=("$(tail -n 1 "$OUT/rss-$i.txt")")
    else
        log "FAILED: cold run $i under /usr/bin/time"
        failed+=("rss-$i")
    fi
done
if [[ ${#rss_kb[@]} -gt 0 ]]; then
    median[rss]=$(printf '%s\n' "${rss_kb[@]}" | sort -n |
        awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1024 }')
fi

# --- report ------------------------------------------------------------------

missed=()

# row CASE VALUE UNIT [BASE_NAME BASE_VALUE BOUND]: one table line. Ratio
# and bound apply when a base is given; a bound without a base compares the
# value itself.
row() {
    local label=$1 value=$2 unit=$3 base_name=${4:-} base=${5:-} bound=${6:-} bound_value=${7:-}
    local shown ratio="—" bound_text="—" ok=""
    if [[ -z $value ]]; then
        printf '| %s | error | — | %s | **not measured** |\n' "$label" "${bound:-—}"
        return
    fi
    shown="$value"
    [[ -z $unit ]] || shown="$value $unit"
    if [[ -n $base_name ]]; then
        if [[ -z $base ]]; then
            printf '| %s | %s | — | %s | **no %s to compare** |\n' "$label" "$shown" "$bound" "$base_name"
            return
        fi
        ratio=$(awk -v a="$value" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }')
        bound_text="$bound"
        if awk -v r="$ratio" -v m="$bound_value" 'BEGIN { exit !(r != "inf" && r + 0 <= m + 0) }'; then
            ok="yes"
        else
            ok="**NO**"
            missed+=("$label: $ratio × $base_name > $bound_value")
        fi
    elif [[ -n $bound ]]; then
        bound_text="$bound"
        if awk -v v="$value" -v m="$bound_value" 'BEGIN { exit !(v + 0 <= m + 0) }'; then
            ok="yes"
        else
            ok="**NO**"
            missed+=("$label: $value $unit > $bound_value $unit")
        fi
    fi
    printf '| %s | %s | %s | %s | %s |\n' "$label" "$shown" "$ratio" "$bound_text" "$ok"
}

report() {
    printf '# feedd benchmark\n\n'
    printf -- '- date: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf -- '- commit: %s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf -- '- machine: %s, %s cores\n' "$(uname -srm)" "$(nproc)"
    printf -- '- corpus: %s (%s files, %s MB), runs: %s + 1 warm-up, feed cap: %s\n' \
        "$CORPUS" "$N" "$((corpus_bytes / 1048576))" "$RUNS" "$FEED_CAP"
    printf -- '- feedd: %s\n\n' "$FEEDD_BIN"
    printf '| case | median s | ratio | bound | ok? |\n'
    printf '|---|---|---|---|---|\n'
    row "ref_atom (libxml2 reference)" "${median[ref]:-}" ""
    row "feedd cold (no state)" "${median[cold]:-}" "" ref "${median[ref]:-}" "≤ 3 × ref" 3
    row "feedd cold ÷ ref_atom, in $RUNS back-to-back pairs (median ratio)" "${median[pairs_cold]:-}" "×" "" "" "≤ 3 ×" 3
    row "find walk (stat every file)" "${median[find]:-}" ""
    row "feedd warm (nothing changed)" "${median[warm]:-}" "" find "${median[find]:-}" "≤ 2 × find" 2
    row "feedd warm ÷ find, in $RUNS back-to-back pairs (median ratio)" "${median[pairs_warm]:-}" "×" "" "" "≤ 2 ×" 2
    row "feedd one file changed" "${median[onechange]:-}" "" find "${median[find]:-}" "≤ 2 × find" 2
    row "feedd one file changed ÷ find, in $RUNS back-to-back pairs (median ratio)" "${median[pairs_onechange]:-}" "×" "" "" "≤ 2 ×" 2
    row "feedd cold peak RSS (median of 3)" "${median[rss]:-}" "MB" "" "" "≤ 200 MB" 200
    printf '\n'
    printf 'Pair ratios, cold ÷ ref_atom: %s; warm ÷ find: %s; one change ÷ find: %s\n\n' \
        "${median[pairs_cold_all]:-—}" "${median[pairs_warm_all]:-—}" "${median[pairs_onechange_all]:-—}"
    if [[ ${#missed[@]} -eq 0 ]]; then
        printf 'All measured cases are within their bounds.\n'
    else
        printf 'Bounds missed:\n\n'
        printf -- '- %s\n' "${missed[@]}"
    fi
    if [[ ${#failed[@]} -gt 0 ]]; then
        printf '\nNot measured (the command failed): %s\n' "${failed[*]}"
    fi
}

# report runs in this shell (not a pipeline) so that `missed` is filled in.
report >"$RESULTS"
printf '\n'
cat "$RESULTS"
printf '\n(written to %s)\n' "$RESULTS"

[[ ${#failed[@]} -eq 0 ]]
