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

# bench_root PREFIX: a fresh sysctr root under /var/tmp (searchable by
# the mapped root of unprivileged containers); prints its path
bench_root() {
	local r
	r=$(mktemp -d "/var/tmp/$1.XXXXXX") || die "mktemp"
	chmod 0711 "$r"
	mkdir -p "$r/etc/sysctr"
	echo "$r"
}

# bench_conf ROOT [SECTIONS]: ROOT's sysctr.conf: the templates of this
# tree, BENCH_IMAGES when set, then SECTIONS as they are; without a
# network section in SECTIONS, no network (lxc-* runs have none either)
bench_conf() {
	cat >"$1/etc/sysctr/sysctr.conf" <<CONF
paths {
  templates = "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/templates"
  ${BENCH_IMAGES:+images = \"$BENCH_IMAGES\"}
}
${2:-}
CONF
	case ${2:-} in
	*"network {"*) ;;
	*) printf 'network {\n  mode = "none"\n}\n' >>"$1/etc/sysctr/sysctr.conf" ;;
	esac
}

# bench_teardown SYSCTR ROOT: kill the root's running containers, destroy
# them all, remove the root
bench_teardown() {
	local s=("$1" --root "$2" -q)
	"${s[@]}" list --running --format json 2>/dev/null | jq -r '.[].name' |
		xargs -r -P 8 -n 8 "${s[@]}" stop -k
	"${s[@]}" list --format json 2>/dev/null | jq -r '.[].name' |
		xargs -r -P 4 -n 1 "${s[@]}" destroy -f
	rm -rf "$2"
}
