# shellcheck shell=bash
# Shared by the bench scripts (sourced): die, the time of one run, the
# spread of several. BENCH_NAME names the script in die's message.

die() {
	echo "${BENCH_NAME:-bench}: $*" >&2
	exit 1
}

# ms CMD...: run it, print how long it took in ms (its output is dropped);
# a failure ends the benchmark
ms() {
	local t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 || die "failed: $*"
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}

# spread FILE: "median min max" of the numbers in FILE
spread() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}
