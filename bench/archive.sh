#!/bin/bash
# bench/archive.sh: `sysctr export --with-image` and `sysctr import` of a
# Debian container with changes in its own layer, against GNU tar with
# zstd (`tar --zstd`, which pipes through the zstd program at its default
# level 3, as sysctr compresses) on the same files: the image's rootfs and
# the container's upper directory, in the same run.
#   export: `sysctr export C FILE --with-image` vs
#           `tar --zstd --xattrs -cf FILE -C IMAGE rootfs -C UPPER .`
#   import: `sysctr import FILE` (checks every checksum, shifts the owners
#           of the layers, registers) vs `tar --zstd --xattrs -xf` of tar's
#           own archive into an empty directory, twice:
#           import-new  into a root of its own whose image store is empty
#                       (another host): the image is written and hashed
#           import      into the same root, whose image store has the image
#                       (its hash matches): the image's members are only
#                       checked against their checksums, not written
#           import-new-priv  a privileged container (security.privileged,
#                       same files) into an empty root: the files once
#           An unprivileged container's overlay lower is its image
#           shifted into the id range (LXC 5.0 cannot idmap an overlay
#           here): import-new writes that copy alone, as tar writes its
#           files once; the image's own rootfs is made from it later, if
#           something needs it.
# Target: sysctr at 80 % of tar's speed or better, i.e. its time at most
# 1.25 times tar's.
#
# Usage (as root): bench/archive.sh
#   SYSCTR        the sysctr binary (default: `command -v sysctr`)
#   BENCH_IMAGES  an images directory with a cached Debian image (default:
#                 a fresh one: debootstrap runs first)
#   BENCH_RUNS    runs of each side (default 3), alternating sysctr and tar
#   BENCH_MB      MB of changes in the container (default 200: files of
#                 the host's /usr, compressible like a real system's)
# Both sides find the files in the page cache (the runs alternate over the
# same trees), and each timed step starts after a sync, so the comparison
# is of the work, not of another step's writeback. Exit
# status 0 whether the target is met or not; non-zero when the benchmark
# itself could not run.
set -euo pipefail

SELF=$(readlink -f "$0")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
SYSCTR=${SYSCTR:-$(command -v sysctr || true)}
RUNS=${BENCH_RUNS:-3}
MB=${BENCH_MB:-200}

BENCH_NAME=bench/archive.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$SELF")/lib.sh"
[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$SYSCTR" ] || die "no sysctr binary (set SYSCTR)"
SYSCTR=$(readlink -f "$SYSCTR")
for t in tar zstd jq; do
	command -v "$t" >/dev/null || die "$t is missing"
done

ROOT=$(mktemp -d /var/tmp/sysctr-bench-archive.XXXXXX)
chmod 0711 "$ROOT"
IMAGES=${BENCH_IMAGES:-$ROOT/images}
mkdir -p "$ROOT/etc/sysctr" "$ROOT/out"
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
	for n in $(S list --format json 2>/dev/null | jq -r '.[].name'); do
		S destroy -f "$n" >/dev/null 2>&1
	done
	# an image an import registered in a shared images directory
	for i in $(S images list --format json 2>/dev/null | jq -r '.[] | select(.containers | length == 0) | .id'); do
		[ -n "${BENCH_IMAGES:-}" ] && [ "$i" != "$keep_image" ] && S images rm "$i" >/dev/null 2>&1
	done
	grep -F " $ROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$ROOT"
	exit "$rc"
}
keep_image=
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ms_synced CMD...: ms after the previous step's files are written back
# (sync), so that no step pays for another's writeback
ms_synced() {
	sync
	ms "$@"
}

echo "== setup (the Debian image is built once if not cached)" >&2
S create debian bench-ar >/dev/null
keep_image=$(S images list --format json | jq -r '.[] | select(.containers | index("bench-ar")) | .id')
image=$(S images list --format json | jq -r '.[] | select(.containers | index("bench-ar")) | .path')
[ -d "$image/rootfs" ] || die "cannot find the image of bench-ar"
upper="$CTS/bench-ar/overlay/delta"
owner=$(stat -c %u:%g "$upper")
mkdir -p "$upper/srv/bench"
# MB of the host's /usr: binaries, libraries, text
find /usr -xdev -type f -size -4M -printf '%s %p\n' >"$ROOT/usr.list" 2>/dev/null || true
sort -k2 "$ROOT/usr.list" |
	awk -v max="$((MB * 1024 * 1024))" '{ t += $1; if (t <= max) print $2 }' >"$ROOT/usr.pick"
tar -cf - -T "$ROOT/usr.pick" 2>/dev/null | tar -C "$upper/srv/bench" -xf -
chown -R "$owner" "$upper/srv/bench"
S create debian bench-pr --set security.privileged=true >/dev/null
mkdir -p "$CTS/bench-pr/overlay/delta/srv"
cp -a "$upper/srv/bench" "$CTS/bench-pr/overlay/delta/srv/"
chown -R 0:0 "$CTS/bench-pr/overlay/delta/srv/bench"
S export bench-pr "$ROOT/out/p.tar.zst" --with-image >/dev/null
sync
echo "== $(du -sm "$image/rootfs" | cut -f1) MB of image, $(du -sm "$upper" | cut -f1) MB of changes" >&2

fx="$ROOT/export.sysctr" ft="$ROOT/export.tar" fi="$ROOT/import.sysctr" fti="$ROOT/import.tar"
fn="$ROOT/import-new.sysctr" fp="$ROOT/import-new-priv.sysctr"
: >"$fx"; : >"$ft"; : >"$fi"; : >"$fti"; : >"$fn"; : >"$fp"
# new_root DIR: a root of its own with an empty image store
new_root() {
	rm -rf "$1"
	mkdir -p "$1/etc/sysctr"
	chmod 0711 "$1"
	sed "s|images = .*|images = \"$1/images\"|" "$ROOT/etc/sysctr/sysctr.conf" >"$1/etc/sysctr/sysctr.conf"
}
N="$ROOT/new"
for ((i = 0; i < RUNS; i++)); do
	echo "== run $((i + 1)) of $RUNS" >&2
	ms_synced S export bench-ar "$ROOT/out/s.tar.zst" --with-image >>"$fx"
	ms_synced tar --zstd --xattrs -cf "$ROOT/out/t.tar.zst" -C "$image" rootfs -C "$upper" . >>"$ft"
	ms_synced S import "$ROOT/out/s.tar.zst" "bench-im" >>"$fi"
	S destroy bench-im >/dev/null
	new_root "$N"
	ms_synced "$SYSCTR" --root "$N" import "$ROOT/out/s.tar.zst" >>"$fn"
	"$SYSCTR" --root "$N" destroy bench-ar >/dev/null
	new_root "$N"
	ms_synced "$SYSCTR" --root "$N" import "$ROOT/out/p.tar.zst" >>"$fp"
	"$SYSCTR" --root "$N" destroy bench-pr >/dev/null
	rm -rf "$N"
	rm -rf "$ROOT/out/x"
	mkdir "$ROOT/out/x"
	ms_synced tar --zstd --xattrs --xattrs-include='*' -xf "$ROOT/out/t.tar.zst" -C "$ROOT/out/x" >>"$fti"
	rm -rf "$ROOT/out/x"
done
printf "%-15s %22s %22s %6s  %s\n" step "sysctr_ms (min-max)" "tar_ms (min-max)" ratio target
met=0
for step in export import-new import-new-priv import; do
	case $step in
	export) a=$fx b=$ft ;;
	import-new) a=$fn b=$fti ;;
	import-new-priv) a=$fp b=$fti ;;
	import) a=$fi b=$fti ;;
	esac
	read -r sm slo shi <<<"$(spread "$a")"
	read -r tm tlo thi <<<"$(spread "$b")"
	r=$(awk -v s="$sm" -v t="$tm" 'BEGIN { printf "%.2f", s / t }')
	ok=$(awk -v r="$r" 'BEGIN { print (r <= 1.25) ? 1 : 0 }')
	met=$((met + ok))
	printf "%-15s %8.1f (%5.0f-%6.0f) %8.1f (%5.0f-%6.0f) %6s  <=1.25 (>=80%% of tar's speed)%s\n" \
		"$step" "$sm" "$slo" "$shi" "$tm" "$tlo" "$thi" "$r" "$([ "$ok" = 1 ] || echo "  MISSED")"
done
echo "targets met: $met of 4"
echo "archive sizes: sysctr $(du -m "$ROOT/out/s.tar.zst" | cut -f1) MB, tar $(du -m "$ROOT/out/t.tar.zst" | cut -f1) MB"
