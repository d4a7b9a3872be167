#!/bin/bash
# bench/snapshot.sh: sysctr's snapshots, restores and clones of a Debian
# container with 50 MB and with 500 MB of changes in its own layer,
# against, in the same run and on the same trees:
#   lxc-snapshot of a dir-backed container (the Debian rootfs and the same
#     changes): LXC copies the whole tree;
#   lxc-snapshot of an overlay clone (lxc-copy -s -B overlayfs of the
#     Debian rootfs, the changes in its delta);
#   cp -a of the changes alone;
# and lxc-snapshot -r / lxc-copy for restores and clones.
# Targets: snapshot of a stopped container <= 50 ms whatever the size of
# its changes; of a running one (50 MB) <= 500 ms, frozen no longer than
# that; restore <= 100 ms; clone <= 50 ms; each >= 10x faster than
# lxc-snapshot of the dir-backed container.
#
# Usage (as root): bench/snapshot.sh
#   SYSCTR        the sysctr binary (default: `command -v sysctr`)
#   BENCH_IMAGES  an images directory with a cached Debian image (default:
#                 a fresh one: debootstrap runs first)
#   BENCH_RUNS    runs of each sysctr step (default 5; LXC's copies: 3)
#   BENCH_SIZES   MB of changes (default "50 500")
# Each run is timed alone (the clock around the command; what a step
# needs, such as refilling the container's layer with the changes and
# writing them back, is done before and not timed); the table gives the
# median and the spread.
# Exit status 0 whether targets are met or not; non-zero when the
# benchmark itself could not run. Everything lives under a fresh /var/tmp
# root that the EXIT trap removes with every container made.
set -euo pipefail

SELF=$(readlink -f "$0")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
SYSCTR=${SYSCTR:-$(command -v sysctr || true)}
RUNS=${BENCH_RUNS:-5}
SIZES=${BENCH_SIZES:-50 500}
LXC_RUNS=3

BENCH_NAME=bench/snapshot.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$SELF")/lib.sh"
[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$SYSCTR" ] || die "no sysctr binary (set SYSCTR)"
SYSCTR=$(readlink -f "$SYSCTR")
for t in jq bc lxc-snapshot lxc-copy lxc-destroy lxc-start lxc-stop; do
	command -v "$t" >/dev/null || die "$t is missing"
done

ROOT=$(mktemp -d /var/tmp/sysctr-bench-snap.XXXXXX)
chmod 0711 "$ROOT"
LXCP="$ROOT/lxc"
IMAGES=${BENCH_IMAGES:-$ROOT/images}
mkdir -p "$ROOT/etc/sysctr" "$LXCP"
chmod 0711 "$LXCP"
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
CTS="$ROOT/var/lib/sysctr/containers"

cleanup() {
	local rc=$?
	set +e
	trap - EXIT
	for n in $(lxc-ls -P "$LXCP" 2>/dev/null); do
		lxc-stop -k -P "$LXCP" -n "$n" >/dev/null 2>&1
		lxc-destroy -s -f -P "$LXCP" -n "$n" >/dev/null 2>&1
	done
	for n in $(S list --format json 2>/dev/null | jq -r '.[].name'); do
		S destroy -f "$n" >/dev/null 2>&1
	done
	grep -F " $ROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$ROOT"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

RESULTS="$ROOT/results"
: >"$RESULTS"
# record STEP SIZE WHO FILE
record() { echo "$1 $2 $3 $(spread "$4")" >>"$RESULTS"; }

echo "== setup (the Debian image is built once if not cached)" >&2
S create debian bench-ref >/dev/null
S start bench-ref >/dev/null
S stop -k bench-ref >/dev/null
lower=$(sed -n 's|^lxc.rootfs.path = overlay:\([^:]*\):.*|\1|p' "$CTS/bench-ref/config")
[ -d "$lower" ] || die "cannot find the image rootfs in $CTS/bench-ref/config"
cp "$CTS/bench-ref/config" "$ROOT/ref.config"
owner=$(stat -c %u:%g "$CTS/bench-ref/overlay/delta")
S destroy bench-ref >/dev/null

# changes-N: N MB in files of 128 KiB, 100 to a directory, owned by the
# container's root as its own files are
make_changes() { # MB
	local d="$ROOT/changes-$1" i n=$(($1 * 8))
	mkdir -p "$d"
	for ((i = 0; i < n; i++)); do
		[ $((i % 100)) -eq 0 ] && mkdir -p "$d/d$((i / 100))"
		head -c 131072 /dev/urandom >"$d/d$((i / 100))/f$i"
	done
	chown -R "$owner" "$d"
}

# lxc_ct NAME ROOTFS-SPEC: an lxc container with sysctr's liblxc config
lxc_ct() {
	mkdir -p "$LXCP/$1"
	sed -e "s|^lxc.rootfs.path = .*|lxc.rootfs.path = $2|" \
		-e "s|^lxc.uts.name = .*|lxc.uts.name = $1|" \
		-e "s|^lxc.rootfs.options = .*||" \
		-e "s|^lxc.log.file = .*|lxc.log.file = $ROOT/lxc-$1.log|" \
		"$ROOT/ref.config" >"$LXCP/$1/config"
}

# refill NAME SIZE: the container's own layer holds the changes again,
# written back to the disk (sync), so that the timed step is not charged
# with writing back the refill's data: an fsync of the step (a new
# container.conf) would wait for it on ext4 (data=ordered)
refill() {
	local up="$CTS/$1/overlay/delta"
	mkdir -p "$up/srv"
	rm -rf "$up/srv/bench"
	cp -a "$ROOT/changes-$2" "$up/srv/bench"
	sync
}

T_ALL=$EPOCHREALTIME
for size in $SIZES; do
	echo "== $size MB: setup" >&2
	make_changes "$size"
	# the dir-backed lxc container: the Debian rootfs and the changes
	lxc_ct "dir$size" "dir:$LXCP/dir$size/rootfs"
	cp -a "$lower" "$LXCP/dir$size/rootfs"
	cp -a "$ROOT/changes-$size" "$LXCP/dir$size/rootfs/srv/bench"
	# the overlay clone: lxc-copy -s of a dir container of the bare
	# rootfs, the changes in its delta
	if [ ! -d "$LXCP/base" ]; then
		lxc_ct base "dir:$LXCP/base/rootfs"
		cp -a "$lower" "$LXCP/base/rootfs"
	fi
	lxc-copy -P "$LXCP" -n base -N "ovl$size" -s -B overlayfs >/dev/null
	ovl_up=$(sed -n 's|^lxc.rootfs.path = overlay:.*:\(/[^:]*\)$|\1|p' "$LXCP/ovl$size/config")
	[ -d "$ovl_up" ] || die "no delta for ovl$size"
	mkdir -p "$ovl_up/srv"
	cp -a "$ROOT/changes-$size" "$ovl_up/srv/bench"
	S create debian "bs$size" >/dev/null

	echo "== $size MB: timing" >&2
	f="$ROOT/t"
	# snapshot of the stopped container: its layer refilled each time
	: >"$f"
	for ((i = 0; i < RUNS; i++)); do
		refill "bs$size" "$size"
		ms S snapshot create "bs$size" "s$i" >>"$f"
	done
	record snapshot "$size" sysctr "$f"
	: >"$f"
	for ((i = 0; i < LXC_RUNS; i++)); do
		ms lxc-snapshot -P "$LXCP" -n "dir$size" >>"$f"
		lxc-snapshot -P "$LXCP" -n "dir$size" -d snap0 >/dev/null
	done
	record snapshot "$size" lxc-dir "$f"
	: >"$f"
	for ((i = 0; i < LXC_RUNS; i++)); do
		ms lxc-snapshot -P "$LXCP" -n "ovl$size" >>"$f"
		lxc-snapshot -P "$LXCP" -n "ovl$size" -d snap0 >/dev/null
	done
	record snapshot "$size" lxc-ovl "$f"
	: >"$f"
	for ((i = 0; i < LXC_RUNS; i++)); do
		rm -rf "$ROOT/cpa"
		ms cp -a "$ROOT/changes-$size" "$ROOT/cpa" >>"$f"
	done
	record snapshot "$size" cp-a "$f"

	# restore: any snapshot, the layer refilled each time (the safety
	# snapshot of what it leaves is part of the restore)
	: >"$f"
	for ((i = 0; i < RUNS; i++)); do
		refill "bs$size" "$size"
		ms S snapshot restore "bs$size" s0 >>"$f"
	done
	record restore "$size" sysctr "$f"
	lxc-snapshot -P "$LXCP" -n "dir$size" >/dev/null
	: >"$f"
	for ((i = 0; i < LXC_RUNS; i++)); do
		ms lxc-snapshot -P "$LXCP" -n "dir$size" -r snap0 >>"$f"
	done
	record restore "$size" lxc-dir "$f"

	# clone of the stopped container
	: >"$f"
	for ((i = 0; i < RUNS; i++)); do
		refill "bs$size" "$size"
		ms S clone "bs$size" "bc$size-$i" >>"$f"
	done
	record clone "$size" sysctr "$f"
	: >"$f"
	for ((i = 0; i < LXC_RUNS; i++)); do
		ms lxc-copy -P "$LXCP" -n "dir$size" -N "lc$size-$i" >>"$f"
	done
	record clone "$size" lxc-dir "$f"
	: >"$f"
	for ((i = 0; i < LXC_RUNS; i++)); do
		ms lxc-copy -P "$LXCP" -n "dir$size" -N "lo$size-$i" -s -B overlayfs >>"$f"
	done
	record clone "$size" lxc-ovl "$f"

	# snapshot of the running container: its layer copied while frozen
	if [ "$size" -le 50 ]; then
		S create debian "br$size" >/dev/null
		refill "br$size" "$size"
		S start "br$size" >/dev/null
		: >"$f"
		: >"$f.frozen"
		for ((i = 0; i < RUNS; i++)); do
			t0=$EPOCHREALTIME
			out=$(S snapshot create "br$size" "r$i")
			awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' >>"$f"
			echo "$out" | sed -n 's/.*frozen for \([0-9.]*\) s.*/\1/p' |
				awk '{ printf "%.1f\n", $1 * 1000 }' >>"$f.frozen"
			[ "$i" -eq 0 ] || S snapshot delete "br$size" "r$((i - 1))" >/dev/null
		done
		record running "$size" sysctr "$f"
		record frozen "$size" sysctr "$f.frozen"
		S stop -k "br$size" >/dev/null
	fi
done

# ---------------------------------------------------------------------------
# report: sysctr's median and spread; LXC's and cp -a's medians; the ratio
# of lxc-snapshot (dir) to sysctr
awk -v runs="$RUNS" '
	{ key = $1 " " $2; med[key, $3] = $4; lo[key, $3] = $5; hi[key, $3] = $6
	  if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
	END {
		printf "%-9s %5s %22s %10s %10s %8s %7s  %s\n", "step", "MB",
			"sysctr_ms (min-max)", "lxc_dir", "lxc_ovl", "cp_a", "x_dir", "target"
		for (i = 1; i <= n; i++) {
			k = order[i]; split(k, p, " ")
			s = med[k, "sysctr"]
			d = ((k, "lxc-dir") in med) ? med[k, "lxc-dir"] : ""
			o = ((k, "lxc-ovl") in med) ? med[k, "lxc-ovl"] : ""
			c = ((k, "cp-a") in med) ? med[k, "cp-a"] : ""
			x = (d != "" && s > 0) ? sprintf("%.0fx", d / s) : "-"
			if (p[1] == "snapshot") { lim = 50 } else if (p[1] == "running") { lim = 500 }
			else if (p[1] == "frozen") { lim = 500 } else if (p[1] == "restore") { lim = 100 }
			else { lim = 50 }
			ok = (s <= lim) && (d == "" || d / s >= 10)
			t = "<=" lim "ms" (d != "" ? ", >=10x" : "")
			met += ok; m++
			printf "%-9s %5s %8.1f (%5.1f-%6.1f) %10s %10s %8s %7s  %s%s\n", p[1], p[2],
				s, lo[k, "sysctr"], hi[k, "sysctr"], d, o, c, x, t, ok ? "" : "  MISSED"
		}
		printf "targets met: %d of %d\n", met, m
		print "export/import: see bench/archive.sh"
	}' "$RESULTS"
echo "(total run $(awk -v a="$T_ALL" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s)" >&2
