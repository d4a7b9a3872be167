#!/bin/bash
# bench/autostart.sh: `sysctr autostart --boot` of 20 and of 50 busybox
# containers with autostart and no delays, against `lxc-autostart -a` of
# as many equivalent LXC containers (lxc.start.auto = 1, sysctr's liblxc
# config, the same image, their own overlay upper), in one run; then
# `sysctr autostart --shutdown` of 50 running containers with a 10 s
# timeout, two of which ignore their halt signal, against
# `lxc-autostart -a -s -t 10` of as many LXC containers, two of which
# ignore theirs.
# Targets: boot <= 0.6 x lxc-autostart's time for both sizes; shutdown
# <= 12 s (about one timeout, not the sum).
#
# Usage (as root): bench/autostart.sh
#   SYSCTR        the sysctr binary (default: `command -v sysctr`)
#   BENCH_IMAGES  an images directory with the busybox image cached
#   BENCH_RUNS    runs of each boot (default 3), alternating the sides
#   BENCH_SIZES   numbers of containers (default "20 50")
# A container counts as up when it runs (ready = started): lxc-autostart
# returns once each start reported RUNNING, so do both sides. Exit status
# 0 whether the targets are met or not; non-zero when the benchmark could
# not run.
set -euo pipefail

SELF=$(readlink -f "$0")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)
SYSCTR=${SYSCTR:-$(command -v sysctr || true)}
RUNS=${BENCH_RUNS:-3}
SIZES=${BENCH_SIZES:-20 50}

BENCH_NAME=bench/autostart.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$SELF")/lib.sh"
[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$SYSCTR" ] || die "no sysctr binary (set SYSCTR)"
SYSCTR=$(readlink -f "$SYSCTR")
for t in jq lxc-autostart lxc-ls lxc-stop lxc-destroy; do
	command -v "$t" >/dev/null || die "$t is missing"
done

ROOT=$(mktemp -d /var/tmp/sysctr-bench-autostart.XXXXXX)
chmod 0711 "$ROOT"
LXCP="$ROOT/lxc"
IMAGES=${BENCH_IMAGES:-$ROOT/images}
mkdir -p "$ROOT/etc/sysctr" "$LXCP" "$ROOT/lxclog"
chmod 0711 "$LXCP"
write_conf() { # STOP_TIMEOUT
	cat >"$ROOT/etc/sysctr/sysctr.conf" <<CONF
paths {
  templates = "$REPO/templates"
  images = "$IMAGES"
}
timeouts {
  stop = $1
}
network {
  mode = "none"
}
CONF
}
write_conf 30
S() { "$SYSCTR" --root "$ROOT" "$@"; }
CTS="$ROOT/var/lib/sysctr/containers"

cleanup() {
	local rc=$?
	set +e
	trap - EXIT
	lxc-autostart -P "$LXCP" -a -k >/dev/null 2>&1
	for n in $(lxc-ls -P "$LXCP" 2>/dev/null); do
		lxc-stop -k -P "$LXCP" -n "$n" >/dev/null 2>&1
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

# try CMD...: its exit status does not end the benchmark (the lxc side's
# outcome is checked by counting what runs)
try() { "$@" || true; }
# The CPU time all cores spent busy so far, in ms (/proc/stat: user, nice,
# system, irq, softirq).
HZ=$(getconf CLK_TCK)
busy_ms() { awk -v hz="$HZ" '/^cpu / { print ($2 + $3 + $4 + $7 + $8) * 1000 / hz; exit }' /proc/stat; }
# timed MS_FILE CORES_FILE CMD...: the run's ms to MS_FILE, and how many
# cores were busy on average meanwhile to CORES_FILE. On a machine with
# few cores a parallel boot is bound by the CPU that liblxc's starts and
# the containers' own boots need: this column shows when a side had no
# idle core left to gain from.
timed() {
	local b0 b1 t
	b0=$(busy_ms)
	t=$(ms try "${@:3}")
	b1=$(busy_ms)
	echo "$t" >>"$1"
	awk -v b="$b0" -v e="$b1" -v t="$t" 'BEGIN { printf "%.2f\n", (e - b) / t }' >>"$2"
}
running_count() { # SIDE
	if [ "$1" = s ]; then
		S list --format json | jq '[.[] | select(.state == "RUNNING")] | length'
	else
		lxc-ls -P "$LXCP" --running | wc -w
	fi
}

echo "== setup" >&2
S create busybox as-ref >/dev/null
S start as-ref >/dev/null
S stop -k as-ref >/dev/null
cp "$CTS/as-ref/config" "$ROOT/ref.config"
owner=$(stat -c %u:%g "$CTS/as-ref/overlay/delta")
S destroy as-ref >/dev/null

# lxc_ct NAME [HALT]: an LXC twin with sysctr's config, its own upper
lxc_ct() {
	local d="$LXCP/$1"
	mkdir -p "$d/overlay/delta/etc" "$d/overlay/work"
	chmod 0711 "$d" "$d/overlay"
	echo "$1" >"$d/overlay/delta/etc/hostname"
	chown -R "$owner" "$d/overlay/delta"
	awk -v name="$1" -v upper="$d/overlay/delta" -v logf="$ROOT/lxclog/$1.log" -v halt="${2:-}" '
		function val(s) { sub(/^[^=]*=[ \t]*/, "", s); return s }
		/^lxc\.uts\.name[ \t]*=/ { print "lxc.uts.name = " name; next }
		/^lxc\.log\.file[ \t]*=/ { print "lxc.log.file = " logf; next }
		/^lxc\.signal\.halt[ \t]*=/ && halt != "" { print "lxc.signal.halt = " halt; next }
		/^lxc\.rootfs\.path[ \t]*=/ {
			k = split(val($0), p, ":")
			print "lxc.rootfs.path = overlay:" p[2] ":" upper; next }
		{ print }
		END { print "lxc.start.auto = 1" }' "$ROOT/ref.config" >"$d/config"
}

RESULTS="$ROOT/results"
: >"$RESULTS"
made=0
for size in $SIZES; do
	echo "== $size containers a side" >&2
	for ((i = made; i < size; i++)); do
		S create busybox "as$i" >/dev/null
		S config set "as$i" autostart.enabled=true autostart.ready=started >/dev/null
		lxc_ct "lx$i"
	done
	made=$size
	fs="$ROOT/boot-$size.s" fl="$ROOT/boot-$size.l"
	: >"$fs"
	: >"$fl"
	: >"$fs.cores"
	: >"$fl.cores"
	for ((r = 0; r < RUNS; r++)); do
		timed "$fs" "$fs.cores" S autostart --boot
		[ "$(running_count s)" -eq "$size" ] || die "sysctr started $(running_count s) of $size"
		S autostart --shutdown >/dev/null 2>&1 || true
		timed "$fl" "$fl.cores" lxc-autostart -P "$LXCP" -a
		[ "$(running_count l)" -eq "$size" ] || die "lxc-autostart started $(running_count l) of $size"
		lxc-autostart -P "$LXCP" -a -k >/dev/null 2>&1 || true
	done
	echo "boot $size $(spread "$fs") $(spread "$fl") $(spread "$fs.cores" | cut -d' ' -f1) $(spread "$fl.cores" | cut -d' ' -f1)" >>"$RESULTS"
done

# --- shutdown: 50 running (or the largest size), 10 s, two ignore the halt ---
size=$made
echo "== shutdown of $size, two ignoring their halt signal" >&2
# each container's stop timeout at shutdown is its autostart.timeout
write_conf 10
for ((i = 0; i < size; i++)); do
	S config set "as$i" autostart.timeout=10 >/dev/null
done
for i in 0 1; do
	S config set "as$i" raw.lxc.signal.halt=SIGCONT >/dev/null 2>&1
	lxc_ct "lx$i" SIGCONT
done
S autostart --boot >/dev/null
t_s=$(ms try S autostart --shutdown)
[ "$(running_count s)" -eq 0 ] || die "sysctr left $(running_count s) running"
lxc-autostart -P "$LXCP" -a >/dev/null
t_l=$(ms try lxc-autostart -P "$LXCP" -a -s -t 10)
lxc-autostart -P "$LXCP" -a -k >/dev/null 2>&1 || true
echo "shutdown $size $t_s $t_s $t_s $t_l $t_l $t_l - -" >>"$RESULTS"

awk '
	BEGIN { printf "%-9s %4s %24s %24s %6s %11s  %s\n", "step", "n", "sysctr_ms (min-max)", "lxc_ms (min-max)", "ratio", "cores s/l", "target" }
	{
		r = $3 / $6
		if ($1 == "boot") { ok = r <= 0.6; t = "<=0.6" } else { ok = $3 <= 12000; t = "<=12 s" }
		met += ok; n++
		printf "%-9s %4s %8.0f (%6.0f-%6.0f) %8.0f (%6.0f-%6.0f) %6.2f %5s/%-5s  %s%s\n", $1, $2, $3, $4, $5, $6, $7, $8, r, $9, $10, t, ok ? "" : "  MISSED"
	}
	END { printf "targets met: %d of %d\n", met, n; printf "(cores s/l: how many of the %s cores were busy on average during each side'"'"'s boot, median)\n", ncpu }' ncpu="$(nproc)" "$RESULTS"
