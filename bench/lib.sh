# bench/lib.sh — what bench/run.sh and bench/versus.sh share; sourced, not run.

# median_of: the median of the numbers on stdin, one per line (%.4f).
median_of() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f", m }'
}

# loadavg: the 1, 5 and 15 minute load averages.
loadavg() { cut -d ' ' -f 1-3 /proc/loadavg; }
