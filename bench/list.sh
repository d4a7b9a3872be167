#!/bin/bash
# bench/list.sh: `sysctr list` of 500 defined busybox containers, 50 of
# them running on sysctr's managed bridge with their leases (the IPV4
# column filled), against `lxc-ls -f` on the same lxcpath (which looks
# inside each running container for its addresses), in one run.
#
# Usage (as root):   bench/list.sh
# Environment:
#   SYSCTR        the sysctr binary (default: `command -v sysctr`)
#   BENCH_IMAGES  sysctr's images directory (default: the temp root's own)
#   BENCH_LIST_N  containers defined (default 500)
#   BENCH_LIST_UP of them running (default 50)
#   BENCH_RUNS    timed runs per side and round (default 10)
#
# The bridge and its /22 are the benchmark's own and isolated (nat =
# false): nothing leaves the machine. Target (issue 10): sysctr's median
# <= 50 ms and at least 5 times faster than lxc-ls -f. Each side's runs
# are printed as median (min-max) over two rounds in opposite order.
set -euo pipefail
BENCH_NAME=list
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root"
SYSCTR=${SYSCTR:-$(command -v sysctr || true)}
[ -x "$SYSCTR" ] || die "no sysctr binary (set SYSCTR)"
command -v hyperfine >/dev/null || die "hyperfine is missing"
N=${BENCH_LIST_N:-500}
UP=${BENCH_LIST_UP:-50}
RUNS=${BENCH_RUNS:-10}
[ "$UP" -le "$N" ] || die "BENCH_LIST_UP > BENCH_LIST_N"

ROOT=$(bench_root sysctr-bench-list)
BR="sblist$$"
BR=${BR:0:15}
cleanup() {
	set +e
	"$SYSCTR" --root "$ROOT" list --running --format json 2>/dev/null |
		jq -r '.[].name' | xargs -r -P 8 -n 8 "$SYSCTR" --root "$ROOT" -q stop -k
	"$SYSCTR" --root "$ROOT" network down >/dev/null 2>&1
	bench_teardown "$SYSCTR" "$ROOT"
	ip link del "$BR" 2>/dev/null
}
trap cleanup EXIT
bench_conf "$ROOT" "network {
  mode = \"none\"
  bridge = \"$BR\"
  ipv4 = \"10.219.0.1/22\"
  nat = false
}"
cdir="$ROOT/var/lib/sysctr/containers"
names="$ROOT/names"
for ((i = 0; i < N; i++)); do printf 'bench-ls-%03d\n' "$i"; done >"$names"

echo "== setup: $N defined, $UP running on $BR" >&2
t0=$EPOCHREALTIME
head -n $((N - UP)) "$names" | while read -r n; do
	"$SYSCTR" --root "$ROOT" -q create busybox "$n" || die "create $n"
done
tail -n "$UP" "$names" | while read -r n; do
	"$SYSCTR" --root "$ROOT" -q create busybox "$n" --set network.mode=bridge ||
		die "create $n"
done
echo "  $N creates: $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }') ms" >&2
# a first start writes each liblxc config, which lxc-ls needs to list one
head -n $((N - UP)) "$names" | xargs -r -n 50 "$SYSCTR" --root "$ROOT" -q start
head -n $((N - UP)) "$names" | xargs -r -P 8 -n 8 "$SYSCTR" --root "$ROOT" -q stop -k
tail -n "$UP" "$names" | xargs -r -n 50 "$SYSCTR" --root "$ROOT" -q start
# the running ones take their leases by DHCP at boot
for _ in $(seq 1 60); do
	got=$(lxc-ls -f -F NAME,IPV4 --running -P "$cdir" | awk 'NR > 1 && $2 ~ /^10\.219\./' | wc -l)
	[ "$got" -ge "$UP" ] && break
	sleep 1
done
[ "$got" -ge "$UP" ] || die "only $got of $UP running containers have an address inside"
lx=$(lxc-ls -1 -P "$cdir" | wc -l)
s_ip=$("$SYSCTR" --root "$ROOT" list --format json | jq '[.[] | select(.ipv4 != null)] | length')
[ "$lx" -eq "$N" ] || die "lxc-ls lists $lx of $N"
[ "$s_ip" -eq "$UP" ] || die "sysctr list shows $s_ip addresses of $UP"

echo "== timing ($RUNS runs per side, two rounds)" >&2
S=$(printf '%q ' "$SYSCTR" --root "$ROOT" list)
L=$(printf '%q ' lxc-ls -f -P "$cdir")
for round in 1 2; do
	if [ "$round" = 1 ]; then order=(-n sysctr "$S" -n lxc "$L"); else order=(-n lxc "$L" -n sysctr "$S"); fi
	hyperfine -N --runs "$RUNS" --warmup 1 --style none \
		--export-json "$ROOT/hf-$round.json" "${order[@]}" >/dev/null
done
side() {
	jq -rs --arg cmd "$1" '[.[].results[] | select(.command == $cmd) | .times[]] |
		sort | map(. * 1000) | [(if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end), .[0], .[-1]] | @tsv' \
		"$ROOT/hf-1.json" "$ROOT/hf-2.json"
}
read -r sm smin smax <<<"$(side sysctr)"
read -r lm lmin lmax <<<"$(side lxc)"
printf 'list %d/%d   sysctr %.1f ms (%.1f-%.1f)   lxc-ls -f %.1f ms (%.1f-%.1f)\n' \
	"$N" "$UP" "$sm" "$smin" "$smax" "$lm" "$lmin" "$lmax"
awk -v s="$sm" -v smax="$smax" -v l="$lm" -v lmin="$lmin" 'BEGIN {
	printf "  lxc-ls -f / sysctr: %.1fx (slowest sysctr run against the fastest lxc-ls run: %.1fx)\n", l / s, lmin / smax
	ok = (s <= 50 && l / s >= 5)
	printf "  target: sysctr <= 50 ms and >= 5x faster: %s\n", ok ? "met" : "MISSED"
	exit ok ? 0 : 1 }'
