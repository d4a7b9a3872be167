#!/bin/bash
# bench/create.sh: how long creating a Debian container from a cached image
# takes with sysctr, against LXC's own ways of making a container from an
# existing one on the same rootfs, measured in one run:
#   sysctr create debian N                       (overlay layer over the image)
#   lxc-copy -P P -n base -N N -s -B overlayfs   (LXC's overlay clone)
#   lxc-copy -P P -n base -N N                   (LXC's full copy)
# The lxc "base" container holds the very rootfs sysctr uses as the lower
# layer (the image's rootfs shifted into the id map) and the liblxc config
# sysctr generated for an equivalent container, so both sides start from
# the same tree. Targets: sysctr <= 50 ms, >= 5x faster than the overlay
# clone and >= 40x faster than the full copy.
#
# Usage (as root): bench/create.sh
#   SYSCTR        the sysctr binary (default: `command -v sysctr`)
#   BENCH_IMAGES  an images directory with a cached Debian image (default: a
#                 fresh one, so debootstrap runs once first)
#   BENCH_RUNS    runs per command (default 10; the full copy: 3)
# Exit status 0 whether targets are met or not; non-zero when the benchmark
# itself could not run. Everything lives under a fresh /var/tmp root that the
# EXIT trap removes, with every container made.
set -euo pipefail

SELF=$(readlink -f "$0")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
SYSCTR=${SYSCTR:-$(command -v sysctr || true)}
RUNS=${BENCH_RUNS:-10}

die() { echo "bench/create.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$SYSCTR" ] || die "no sysctr binary (set SYSCTR)"
for t in hyperfine jq lxc-copy lxc-destroy; do
	command -v "$t" >/dev/null || die "$t is missing"
done

ROOT=$(mktemp -d /var/tmp/sysctr-bench-create.XXXXXX)
chmod 0711 "$ROOT"
LXCP="$ROOT/lxc"
IMAGES=${BENCH_IMAGES:-$ROOT/images}
mkdir -p "$ROOT/etc/sysctr" "$LXCP"
cat >"$ROOT/etc/sysctr/sysctr.conf" <<CONF
paths {
  templates = "$REPO/templates"
  images = "$IMAGES"
}
network {
  mode = "none"
}
CONF
S() { "$SYSCTR" --root "$ROOT" "$@"; }

cleanup() {
	set +e
	for n in $(lxc-ls -P "$LXCP" 2>/dev/null); do
		lxc-destroy -P "$LXCP" -n "$n" -f >/dev/null 2>&1
	done
	for n in $(S list --format json 2>/dev/null | jq -r '.[].name'); do
		S destroy -f "$n" >/dev/null 2>&1
	done
	grep -F " $ROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

echo "preparing (the Debian image is built once if not cached) ..." >&2
S create debian bench-ref >/dev/null
S start bench-ref >/dev/null
S stop -k bench-ref >/dev/null
CT="$ROOT/var/lib/sysctr/containers/bench-ref"
lower=$(sed -n 's|^lxc.rootfs.path = overlay:\([^:]*\):.*|\1|p' "$CT/config")
[ -d "$lower" ] || die "cannot find the image rootfs in $CT/config"

# The lxc base: that rootfs as a dir container with sysctr's config.
mkdir -p "$LXCP/base"
cp -a --reflink=auto "$lower" "$LXCP/base/rootfs"
sed -e "s|^lxc.rootfs.path = .*|lxc.rootfs.path = dir:$LXCP/base/rootfs|" \
	-e "s|^lxc.uts.name = .*|lxc.uts.name = base|" \
	-e "s|^lxc.log.file = .*|lxc.log.file = $ROOT/lxc-base.log|" \
	"$CT/config" >"$LXCP/base/config"
S destroy bench-ref >/dev/null

json="$ROOT/hf.json"
median() { # median COMMAND-INDEX: ms
	jq -r ".results[$1].median * 1000" "$json"
}

hyperfine -N --style basic -r "$RUNS" --export-json "$json" \
	--prepare "sh -c '$SYSCTR --root $ROOT destroy bc >/dev/null 2>&1; true'" \
	"$SYSCTR --root $ROOT create debian bc" \
	--prepare "sh -c 'lxc-destroy -P $LXCP -n ov >/dev/null 2>&1; true'" \
	"lxc-copy -P $LXCP -n base -N ov -s -B overlayfs" \
	>&2 2>/dev/null || die "hyperfine failed"
s_ms=$(median 0)
ov_ms=$(median 1)
# the full copy is slow: fewer runs
hyperfine -N --style basic -r "$(( RUNS < 3 ? RUNS : 3 ))" --export-json "$json" \
	--prepare "sh -c 'lxc-destroy -P $LXCP -n full >/dev/null 2>&1; true'" \
	"lxc-copy -P $LXCP -n base -N full" >&2 2>/dev/null || die "hyperfine failed"
full_ms=$(median 0)

r_ov=$(echo "$ov_ms / $s_ms" | bc -l)
r_full=$(echo "$full_ms / $s_ms" | bc -l)
ok_s=$(echo "$s_ms <= 50" | bc)
ok_ov=$(echo "$r_ov >= 5" | bc)
ok_full=$(echo "$r_full >= 40" | bc)
mark() { [ "$1" = 1 ] || echo "  MISSED"; }
printf '%-34s %10s %9s  %s\n' "how" "median_ms" "vs_sysctr" "target"
printf '%-34s %10.1f %9s  %s%s\n' "sysctr create debian (cached)" "$s_ms" "1.0" \
	"<=50 ms" "$(mark "$ok_s")"
printf '%-34s %10.1f %8.1fx  %s%s\n' "lxc-copy -s -B overlayfs" "$ov_ms" "$r_ov" \
	">=5x" "$(mark "$ok_ov")"
printf '%-34s %10.1f %8.1fx  %s%s\n' "lxc-copy (full copy)" "$full_ms" "$r_full" \
	">=40x" "$(mark "$ok_full")"
echo "targets met: $((ok_s + ok_ov + ok_full)) of 3"
