#!/usr/bin/env bash
# bench/change-one.sh ORIGINAL TARGET COUNTER
#
# hyperfine's --prepare step for the "one file changed" case: rewrites TARGET
# as ORIGINAL plus one sentence that names a fresh revision number, so every
# run sees a real content edit (a new fingerprint) in exactly one file.
# bench/run.sh restores TARGET from ORIGINAL when it is done.
set -euo pipefail

original=$1
target=$2
counter=$3

n=0
if [[ -s $counter ]]; then
    n=$(<"$counter")
fi
n=$((n + 1))
printf '%s\n' "$n" >"$counter"

{
    cat -- "$original"
    printf '\nThis abstract was revised for benchmark run %s.\n' "$n"
} >"$target"
