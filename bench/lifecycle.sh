#!/bin/bash
# bench/lifecycle.sh: time sysctr against the raw lxc-* tools on the same
# rootfs and an equivalent liblxc config, and print the ratio sysctr/lxc of
# each step for a busybox and a Debian container, then `sysctr list` of 500
# defined containers (50 running) against `lxc-ls -f` on the same lxcpath.
#
# Usage (as root):   bench/lifecycle.sh
# Environment:
#   SYSCTR          the sysctr binary (default: `command -v sysctr`)
#   BENCH_IMAGES    sysctr's images directory (default: the temp root's own,
#                   so Debian is debootstrapped; point it at a test cache such
#                   as /var/tmp/sysctr-test-cache/images to reuse its images)
#   BENCH_TEMPLATES templates to time (default: "busybox debian")
#   BENCH_LIST_N    containers defined for the list step (default 500)
#   BENCH_LIST_UP   of them running (default 50); BENCH_LIST_N=0 skips it
#   BENCH_RUNS      half the timed runs per side of a busybox step (default
#                   15: 30 runs per side; Debian steps take 5, exec twice as
#                   many)
#   BENCH_ROUNDS    hyperfine rounds those runs are split into (default 6)
#
# How it is made fair:
# - Everything lives in a fresh root under /var/tmp (sysctr --root); the raw
#   lxc containers live in ROOT/lxc, a second lxcpath.
# - Per template, `sysctr create` makes the sysctr container; its overlay
#   directory (delta and work, as sysctr made them, owned by the mapped root)
#   is copied before the first start, and after one start/kill the liblxc
#   config sysctr generated is copied. Each lxc container gets that overlay
#   copy and that config with only lxc.uts.name, the overlay's upper dir
#   and lxc.log.file changed: same lower rootfs (the image), same idmap,
#   includes, halt signal and network (none), so both sides do the same
#   kernel work.
# - Timing is hyperfine (-N: no shell in between) with a --prepare per side
#   that puts the container in the state the step needs (not timed). Each
#   step runs in several short hyperfine rounds (BENCH_ROUNDS) with the
#   order of the two sides swapped from one to the next, and the medians are
#   over all runs of all rounds. The disk of the machines this runs on has
#   moments (writeback, the host's load) that last seconds: two long rounds
#   let one side's runs fall into a slow moment and the other's not, short
#   alternating rounds give both sides the same moments.
# - start: `sysctr start N` vs `lxc-start -P P -n N`. lxc-start daemonizes by
#   default and returns only once the monitor reported RUNNING over its
#   state socket (liblxc's wait_on_daemonized_start()), which is also when
#   `sysctr start` returns; both are checked to be RUNNING after the start.
# - stop: `sysctr stop N` (timeouts.stop = 30) vs `lxc-stop -t 30`, of a
#   container that is up (Debian: systemd is running or degraded).
# - kill: `sysctr stop -k` vs `lxc-stop -k`, of an up container (busybox:
#   0.3 s after its start, once rcS has run).
# - destroy: of a stopped container that was started once; each run gets a
#   fresh container on both sides, made in the prepare step. sysctr destroy
#   removes the container's log with it, so the lxc twin keeps its log in
#   its own directory, where lxc-destroy removes it too: both sides free the
#   same files, but for sysctr's container.conf. That matters on machines
#   whose root filesystem frees blocks with a synchronous discard (ext4
#   mounted "discard" without a journal, as on the development VMs: every
#   unlink of a file or directory waits 0.1-0.6 ms for the disk), where a
#   small container's destroy is mostly the count of what it frees.
# - exec: `sysctr exec N -- /bin/true` vs
#   `lxc-attach -P P -n N --clear-env -- /bin/true` in an up container.
# - list: BENCH_LIST_N busybox containers made with `sysctr create` in a
#   second root. sysctr writes the liblxc config at a container's first
#   start, and lxc-ls lists only directories holding one, so every container
#   is started and killed once (lxc-ls then sees all of them), and
#   BENCH_LIST_UP are left running. `sysctr list` vs
#   `lxc-ls -f -P CONTAINERS_DIR` on that same directory.
# Targets: each step's ratio <= 1.2; list: sysctr median <= 50 ms and faster
# than lxc-ls. Exit status 0 whether targets are met or not; non-zero only
# when the benchmark itself could not run. Cleanup (trap on EXIT) stops and
# destroys every container it made, on both sides, and removes the root.

set -euo pipefail

SELF=$(readlink -f "$0")
REPO=$(cd "$(dirname "$SELF")/.." && pwd)

die() {
	echo "lifecycle.sh: $*" >&2
	exit 1
}

now() { echo "$EPOCHREALTIME"; }
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

# ---------------------------------------------------------------------------
# helpers shared by the main run and the prepare steps hyperfine calls back

sx() { "$SYSCTR" --root "$BENCH_ROOT" "$@"; }

# side s: sysctr's containers directory; side l: the raw lxc lxcpath
side_path() {
	case $1 in
	s) echo "$BENCH_ROOT/var/lib/sysctr/containers" ;;
	l) echo "$BENCH_ROOT/lxc" ;;
	*) die "bad side $1" ;;
	esac
}

state_of() { # SIDE NAME
	lxc-info -P "$(side_path "$1")" -n "$2" -s -H 2>/dev/null || echo ABSENT
}

# Wait until systemd inside has booted (running or degraded); right after a
# start systemctl can fail with "Failed to connect to bus", so retry.
wait_booted() { # SIDE NAME
	local t0 out
	t0=$SECONDS
	while [ $((SECONDS - t0)) -lt 120 ]; do
		out=$(lxc-attach -P "$(side_path "$1")" -n "$2" --clear-env -- \
			systemctl is-system-running --wait 2>/dev/null) || true
		case $out in running | degraded) return 0 ;; esac
		sleep 0.2
	done
	die "$2: systemd did not boot within 120 s (last: '$out')"
}

side_start() { # SIDE NAME
	if [ "$1" = s ]; then
		sx start "$2" >/dev/null
	else
		lxc-start -P "$(side_path l)" -n "$2"
	fi
}

side_kill() { # SIDE NAME
	if [ "$1" = s ]; then
		sx stop -k "$2" >/dev/null
	else
		lxc-stop -k -P "$(side_path l)" -n "$2"
	fi
}

# The raw lxc twin NAME of template TEMPLATE, from the stashed overlay and
# config of its sysctr container.
make_lxc() { # NAME TEMPLATE
	local n=$1 st="$BENCH_ROOT/stash/$2" d
	d="$(side_path l)/$n"
	[ ! -e "$d" ] || die "$d exists"
	mkdir -m 0711 "$d"
	cp -a "$st/overlay" "$d/overlay"
	# sysctr writes the container's name into the delta at create
	if [ -f "$d/overlay/delta/etc/hostname" ]; then
		printf '%s\n' "$n" >"$d/overlay/delta/etc/hostname"
	fi
	awk -v name="$n" -v upper="$d/overlay/delta" \
		-v logf="$d/$n.log" '
		function val(s) { sub(/^[^=]*=[ \t]*/, "", s); return s }
		/^lxc\.uts\.name[ \t]*=/ { print "lxc.uts.name = " name; next }
		/^lxc\.log\.file[ \t]*=/ { print "lxc.log.file = " logf; next }
		/^lxc\.rootfs\.path[ \t]*=/ {
			k = split(val($0), p, ":")
			if (k != 3 || p[1] != "overlay") { bad = 1; exit }
			print "lxc.rootfs.path = overlay:" p[2] ":" upper; next
		}
		{ print }
		END { if (bad) exit 3 }' "$st/config" >"$d/config" ||
		die "$st/config: lxc.rootfs.path is not overlay:LOWER:UPPER"
	if grep -qF "$(cat "$st/srcdir")" "$d/config"; then
		die "$d/config still names the sysctr container's directory"
	fi
}

# prepare ACTION SIDE TEMPLATE NAME: put a container in the state a timed
# step needs. Called by hyperfine (--prepare), never timed.
prepare() {
	local action=$1 side=$2 tmpl=$3 n=$4
	case $action in
	up) # running, and booted where there is an init that boots
		if [ "$(state_of "$side" "$n")" != RUNNING ]; then
			side_start "$side" "$n"
			# busybox's rcS runs for a moment after the start; the
			# steps that need an up container time it booted, as
			# they do Debian's (not timed, the same on both sides)
			if [ "$tmpl" = busybox ]; then sleep 0.3; fi
		fi
		if [ "$tmpl" = debian ]; then wait_booted "$side" "$n"; fi
		;;
	down)
		[ "$(state_of "$side" "$n")" = STOPPED ] || side_kill "$side" "$n"
		;;
	fresh) # a stopped container that has run once, for destroy
		if [ "$side" = s ]; then
			sx create "$tmpl" "$n" >/dev/null
		else
			make_lxc "$n" "$tmpl"
		fi
		side_start "$side" "$n"
		# booted before the kill on both sides, so both leave the
		# same files (systemd's journal) for destroy to remove
		if [ "$tmpl" = debian ]; then wait_booted "$side" "$n"; fi
		side_kill "$side" "$n"
		;;
	*) die "bad prepare action $action" ;;
	esac
}

if [ "${1:-}" = __prepare ]; then
	shift
	prepare "$@"
	exit 0
fi

# ---------------------------------------------------------------------------
# main run

[ "$(id -u)" -eq 0 ] || die "run as root"
SYSCTR=${SYSCTR:-$(command -v sysctr || true)}
if [ -z "$SYSCTR" ] || [ ! -x "$SYSCTR" ]; then die "no sysctr: set SYSCTR"; fi
SYSCTR=$(readlink -f "$SYSCTR")
for tool in hyperfine lxc-start lxc-stop lxc-attach lxc-destroy lxc-ls lxc-info jq; do
	command -v "$tool" >/dev/null || die "$tool is missing"
done
TEMPLATES=${BENCH_TEMPLATES:-busybox debian}
LIST_N=${BENCH_LIST_N:-500}
LIST_UP=${BENCH_LIST_UP:-50}
ROUNDS=${BENCH_ROUNDS:-6}
case $ROUNDS in '' | *[!0-9]* | 0) die "BENCH_ROUNDS must be a positive number" ;; esac
if [ "$LIST_N" -gt 0 ] && [ "$LIST_UP" -gt "$LIST_N" ]; then
	die "BENCH_LIST_UP > BENCH_LIST_N"
fi

ROOT=$(mktemp -d /var/tmp/sysctr-bench.XXXXXX)
chmod 0711 "$ROOT"
LROOT="$ROOT/list"	# the second sysctr root, for the list step
IMAGES=${BENCH_IMAGES:-$ROOT/var/cache/sysctr/images}
export SYSCTR BENCH_ROOT="$ROOT"

write_conf() { # ROOTDIR
	mkdir -p "$1/etc/sysctr"
	cat >"$1/etc/sysctr/sysctr.conf" <<CONF
paths {
  templates = "$REPO/templates"
  images = "$IMAGES"
}
timeouts {
  stop = 30
}
network {
  mode = "none"
}
CONF
}

cleanup_sysctr_root() { # ROOTDIR
	local r=$1 cdir
	cdir="$r/var/lib/sysctr/containers"
	[ -d "$cdir" ] || return 0
	# destroy -f stops first; the kills take liblxc ~0.5 s each, so run
	# them side by side
	find "$cdir" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' |
		xargs -r -P 16 -n 1 "$SYSCTR" --root "$r" -q destroy -f \
			>/dev/null 2>&1 || true
	# whatever sysctr did not know about
	find "$cdir" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' |
		while read -r n; do
			lxc-stop -k -P "$cdir" -n "$n" >/dev/null 2>&1 || true
		done
}

cleanup() {
	local rc=$? lp n
	set +e
	trap - EXIT
	cleanup_sysctr_root "$ROOT"
	cleanup_sysctr_root "$LROOT"
	lp="$ROOT/lxc"
	if [ -d "$lp" ]; then
		find "$lp" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' |
			while read -r n; do
				lxc-stop -k -P "$lp" -n "$n" >/dev/null 2>&1
				lxc-destroy -f -P "$lp" -n "$n" >/dev/null 2>&1
			done
	fi
	grep -F " $ROOT/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$ROOT"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

write_conf "$ROOT"
mkdir -p "$ROOT/lxc" "$ROOT/stash" "$ROOT/hf"
chmod 0711 "$ROOT/lxc"

RESULTS="$ROOT/results"
: >"$RESULTS"

# measure LABEL TEMPLATE RUNS WARMUP SCMD LCMD [SPREP LPREP]: 2 x RUNS runs
# per side in ROUNDS hyperfine rounds (BENCH_ROUNDS, 6 unless fewer runs),
# sysctr first in the odd rounds and lxc first in the even ones; appends
# "LABEL TEMPLATE SYSCTR_MS LXC_MS" to the results.
measure() {
	local label=$1 tmpl=$2 runs=$3 warm=$4 scmd=$5 lcmd=$6
	local sprep=${7:-} lprep=${8:-} key round args js sm lm smin smax lmin lmax
	local total=$((2 * runs)) rounds per
	rounds=$ROUNDS
	[ "$rounds" -le "$total" ] || rounds=$total
	per=$(((total + rounds - 1) / rounds))
	key="$ROOT/hf/${label//[^A-Za-z0-9_-]/_}-$tmpl"
	js=()
	for ((round = 1; round <= rounds; round++)); do
		args=(-N --runs "$per" --warmup "$warm" --style basic
			--export-json "$key-$round.json")
		js+=("$key-$round.json")
		if ((round % 2 == 1)); then
			[ -z "$sprep" ] || args+=(--prepare "$sprep" --prepare "$lprep")
			args+=(-n sysctr "$scmd" -n lxc "$lcmd")
		else
			[ -z "$sprep" ] || args+=(--prepare "$lprep" --prepare "$sprep")
			args+=(-n lxc "$lcmd" -n sysctr "$scmd")
		fi
		if ! hyperfine "${args[@]}" >"$key-$round.log" 2>&1; then
			cat "$key-$round.log" >&2
			die "$label ($tmpl): hyperfine failed"
		fi
	done
	# min median max of one side's runs over all rounds, in ms
	spread() {
		jq -rs --arg cmd "$1" '[.[].results[] | select(.command == $cmd) |
			.times[]] | sort | map(. * 1000) | [.[0],
			(if length % 2 == 1 then .[length / 2 | floor]
			else (.[length / 2 - 1] + .[length / 2]) / 2 end),
			.[-1]] | @tsv' "${js[@]}"
	}
	read -r smin sm smax <<<"$(spread sysctr)"
	read -r lmin lm lmax <<<"$(spread lxc)"
	printf '%s %s %s %s %s %s %s %s\n' "$label" "$tmpl" "$sm" "$lm" \
		"$smin" "$smax" "$lmin" "$lmax" >>"$RESULTS"
	printf '  %-8s %-8s sysctr %8.1f ms (%.1f-%.1f)   lxc %8.1f ms (%.1f-%.1f)\n' \
		"$label" "$tmpl" "$sm" "$smin" "$smax" "$lm" "$lmin" "$lmax" >&2
}

# a command line for hyperfine -N (its own shell-words quoting)
q() { printf '%q ' "$@"; }

S=$(q "$SYSCTR" --root "$ROOT")
SP=$(side_path s)
LP=$(side_path l)
PREP=$(q bash "$SELF" __prepare)

bench_template() { # TEMPLATE
	local t=$1 short s l t0 RUNS=5
	case $t in busybox) short=bb ;; debian) short=deb ;; *) short=$t ;; esac
	[ "$t" != busybox ] || RUNS=${BENCH_RUNS:-15}
	s="bench-$short-s"
	l="bench-$short-l"

	echo "== $t: setup" >&2
	t0=$(now)
	sx create "$t" "$s" >/dev/null || die "sysctr create $t failed"
	echo "  sysctr create $t: $(ms_since "$t0") ms" >&2
	mkdir -p "$ROOT/stash/$t"
	cp -a "$SP/$s/overlay" "$ROOT/stash/$t/overlay"
	sx start "$s" >/dev/null
	sx stop -k "$s" >/dev/null
	[ -f "$SP/$s/config" ] || die "$s: sysctr wrote no liblxc config at start"
	cp "$SP/$s/config" "$ROOT/stash/$t/config"
	echo "$SP/$s" >"$ROOT/stash/$t/srcdir"
	make_lxc "$l" "$t"
	echo "  config differences (sysctr < > lxc):" >&2
	diff "$SP/$s/config" "$LP/$l/config" | grep '^[<>]' | sed 's/^/    /' >&2 || true

	# sanity: both come up, run a command and are RUNNING after start
	prepare up s "$t" "$s"
	prepare up l "$t" "$l"
	if [ "$(state_of s "$s")" != RUNNING ] || [ "$(state_of l "$l")" != RUNNING ]; then
		die "$t: a container is not RUNNING after start"
	fi
	sx exec "$s" -- /bin/true || die "$s: exec failed"
	lxc-attach -P "$LP" -n "$l" --clear-env -- /bin/true || die "$l: attach failed"

	echo "== $t: timing" >&2
	measure start "$t" "$RUNS" 1 "$S start $s" "$(q lxc-start -P "$LP" -n "$l")" \
		"$PREP down s $t $s" "$PREP down l $t $l"
	for side in s l; do
		[ "$(state_of "$side" "bench-$short-$side")" = RUNNING ] ||
			die "$t: not RUNNING right after the timed start"
	done
	measure exec "$t" "$((RUNS * 2))" 2 "$S exec $s -- /bin/true" \
		"$(q lxc-attach -P "$LP" -n "$l" --clear-env -- /bin/true)" \
		"$PREP up s $t $s" "$PREP up l $t $l"
	measure stop "$t" 3 0 "$S stop $s" "$(q lxc-stop -P "$LP" -n "$l" -t 30)" \
		"$PREP up s $t $s" "$PREP up l $t $l"
	measure kill "$t" "$RUNS" 0 "$S stop -k $s" "$(q lxc-stop -k -P "$LP" -n "$l")" \
		"$PREP up s $t $s" "$PREP up l $t $l"
	measure destroy "$t" "$RUNS" 0 "$S destroy bench-$short-sd" \
		"$(q lxc-destroy -P "$LP" -n "bench-$short-ld")" \
		"$PREP fresh s $t bench-$short-sd" "$PREP fresh l $t bench-$short-ld"
	if [ -e "$SP/bench-$short-sd" ] || [ -e "$LP/bench-$short-ld" ]; then
		die "$t: a destroyed container's directory is still there"
	fi
	prepare down s "$t" "$s"
	prepare down l "$t" "$l"
}

bench_list() {
	local cdir n i t0 names got up lx lxup
	[ "$LIST_N" -gt 0 ] || return 0
	echo "== list: setup ($LIST_N defined, $LIST_UP running)" >&2
	mkdir -p "$LROOT"
	chmod 0711 "$LROOT"
	write_conf "$LROOT"
	cdir="$LROOT/var/lib/sysctr/containers"
	names="$ROOT/list-names"
	for ((i = 0; i < LIST_N; i++)); do printf 'bench-ls-%03d\n' "$i"; done >"$names"
	t0=$(now)
	while read -r n; do
		"$SYSCTR" --root "$LROOT" create busybox "$n" >/dev/null ||
			die "sysctr create busybox $n failed"
	done <"$names"
	echo "  $LIST_N x sysctr create busybox: $(ms_since "$t0") ms" >&2
	# first start writes each container's liblxc config (lxc-ls needs it)
	t0=$(now)
	head -n $((LIST_N - LIST_UP)) "$names" |
		xargs -r -n 50 "$SYSCTR" --root "$LROOT" -q start
	head -n $((LIST_N - LIST_UP)) "$names" |
		xargs -r -P 32 -n 4 "$SYSCTR" --root "$LROOT" -q stop -k
	echo "  start + kill of $((LIST_N - LIST_UP)): $(ms_since "$t0") ms" >&2
	t0=$(now)
	tail -n "$LIST_UP" "$names" | xargs -r -n 50 "$SYSCTR" --root "$LROOT" -q start
	echo "  start of $LIST_UP: $(ms_since "$t0") ms" >&2

	got=$("$SYSCTR" --root "$LROOT" list --format json | jq length)
	up=$("$SYSCTR" --root "$LROOT" list --format json | jq '[.[] | select(.state == "RUNNING")] | length')
	lx=$(lxc-ls -1 -P "$cdir" | wc -l)
	lxup=$(lxc-ls -1 --running -P "$cdir" | wc -l)
	if [ "$got" -ne "$LIST_N" ] || [ "$up" -ne "$LIST_UP" ] ||
		[ "$lx" -ne "$LIST_N" ] || [ "$lxup" -ne "$LIST_UP" ]; then
		die "list setup: sysctr sees $got ($up running), lxc-ls $lx ($lxup running)"
	fi

	echo "== list: timing" >&2
	measure "list($LIST_N/$LIST_UP)" busybox 5 1 \
		"$(q "$SYSCTR" --root "$LROOT" list)" "$(q lxc-ls -f -P "$cdir")"
}

T_ALL=$(now)
for t in $TEMPLATES; do bench_template "$t"; done
bench_list

# ---------------------------------------------------------------------------
# report

# Medians decide a target; each side's fastest and slowest run show the
# noise around them, and the ratio of the fastest runs is the overhead
# with the least noise in it.
awk -v maxratio=1.2 -v listms=50 '
	BEGIN {
		printf "%-14s %-8s %21s %21s %6s %6s  %s\n", "step", "template",
			"sysctr_ms (min-max)", "lxc_ms (min-max)", "ratio",
			"min_r", "target"
	}
	{
		ratio = $3 / $4; m++
		if ($1 ~ /^list/) {
			target = "<=" listms "ms and < lxc-ls"
			ok = ($3 <= listms && ratio < 1)
		} else {
			target = "<=" maxratio
			ok = (ratio <= maxratio)
		}
		met += ok
		printf "%-14s %-8s %7.1f (%5.1f-%5.1f) %7.1f (%5.1f-%5.1f) %6.2f %6.2f  %s%s\n",
			$1, $2, $3, $5, $6, $4, $7, $8, ratio, $5 / $7, target,
			ok ? "" : "  MISSED"
	}
	END { printf "targets met: %d of %d\n", met, m }' "$RESULTS"
echo "(total run $(ms_since "$T_ALL") ms; hyperfine, $ROUNDS rounds with the order swapped each time; medians and spread over all)" >&2
