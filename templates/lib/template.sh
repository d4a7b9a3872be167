# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh disable=SC2034 # variables for the template that sources it
#
# What every sysctr template shares: sourced, never run. The interface is in
# templates/README.md. A template sets PROG and STEPS, defines describe()
# (its --describe lines), sources this file, then:
#
#	tpl_parse_args "$@"	the options into name rootfs release arch
#				mirror cache meta (and source, see below)
#	tpl_check_target	root, an empty --rootfs, the --meta directory
#	...its own checks of release, arch, tools...
#	tpl_start		the EXIT, INT, TERM and HUP traps
#	step N "label"		progress, and the name of a failure
#	tpl_mktemp VAR [-d]	a temporary file (directory) removed on exit
#	tpl_at_exit FUNCTION	more to undo on exit, last added runs first
#	write_meta KEY=VALUE...	the --meta file (release and arch first)
#
# A template that imports a file sets TPL_SOURCE=1 before tpl_parse_args
# and gets --source; one that downloads nothing sets TPL_NO_MIRROR=1 and
# ignores --mirror and --cache. A long-running tool is started in the
# background with its pid in $child, so a signal reaches us at once and
# is passed on (see on_signal).

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL

# Set by die(): the EXIT trap must not add a second, vaguer reason.
reason_given=0
step_label=
child=
tpl_started=0
tpl_exit_hooks=
tpl_tmp_paths=

name=
rootfs=
release=
arch=
mirror=
cache=
meta=
source=

# The one-line reason of a failure; it must be the last line on stderr.
die()
{
	reason_given=1
	printf '%s\n' "$*" >&2
	exit 1
}

usage()
{
	reason_given=1
	printf 'usage: %s --describe\n' "$0" >&2
	if [ "${TPL_SOURCE:-0}" -eq 1 ]; then
		printf '       %s --name NAME --rootfs DIR --release ID --arch ARCH --mirror URL --cache DIR --meta FILE --source FILE\n' "$0" >&2
	else
		printf '       %s --name NAME --rootfs DIR --release RELEASE --arch ARCH --mirror URL --cache DIR --meta FILE\n' "$0" >&2
	fi
	printf '%s\n' "$*" >&2
	exit 2
}

step()
{
	step_label=$2
	printf '@step %s/%s %s\n' "$1" "$STEPS" "$2"
}

# The host's arch in Debian's names (as sysctr spells --arch).
host_arch()
{
	if command -v dpkg >/dev/null 2>&1; then
		dpkg --print-architecture
		return
	fi
	case $(uname -m) in
	x86_64) echo amd64 ;;
	i?86) echo i386 ;;
	aarch64) echo arm64 ;;
	armv7*|armv8l) echo armhf ;;
	armv6*|armv5*) echo armel ;;
	ppc64le) echo ppc64el ;;
	s390x) echo s390x ;;
	riscv64) echo riscv64 ;;
	mips64) echo mips64el ;;
	*) uname -m ;;
	esac
}

# A tool that mounts in the target (debootstrap: proc and sys) may leave
# them behind when it is killed; a caller removing the tree must never walk
# into them.
umount_below()
{
	[ -n "$rootfs" ] && [ -r /proc/self/mounts ] || return 0
	awk -v r="$rootfs" '$2 == r || index($2, r "/") == 1 { print $2 }' \
		/proc/self/mounts | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
}

tpl_at_exit()
{
	tpl_exit_hooks="$1 $tpl_exit_hooks"
}

# tpl_mktemp VAR [-d]: only once the traps are set, so that nothing made
# here outlives a failure. Names are mktemp's: no blanks.
tpl_mktemp()
{
	[ "$tpl_started" -eq 1 ] || die "$PROG template: tpl_mktemp before tpl_start"
	# The path is recorded before it exists: a signal between the two
	# finds nothing to remove, never something it does not know of.
	tpl_p=$(mktemp -u "${TMPDIR:-/tmp}/sysctr-$PROG.XXXXXX")
	tpl_tmp_paths="$tpl_tmp_paths $tpl_p"
	if [ "${2:-}" = -d ]; then
		mkdir -m 0700 "$tpl_p" || die "cannot create $tpl_p"
	else
		(umask 077 && set -C && : >"$tpl_p") || die "cannot create $tpl_p"
	fi
	eval "$1=\$tpl_p"
}

on_exit()
{
	rc=$?
	trap '' INT TERM HUP
	for h in $tpl_exit_hooks; do
		"$h" || true
	done
	umount_below
	for p in $tpl_tmp_paths; do
		rm -rf "$p"
	done
	if [ "$rc" -ne 0 ] && [ "$reason_given" -eq 0 ]; then
		printf '%s failed (exit status %s): see log\n' \
			"${step_label:-$PROG template}" "$rc" >&2
	fi
	exit "$rc"
}

# Stop the tool we wait for too, then leave through on_exit, which undoes
# what was done.
on_signal()
{
	trap '' INT TERM HUP
	if [ -n "$child" ]; then
		kill -s "$1" "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	die "interrupted by SIG$1"
}

tpl_start()
{
	trap on_exit EXIT
	trap 'on_signal INT' INT
	trap 'on_signal TERM' TERM
	trap 'on_signal HUP' HUP
	tpl_started=1
}

# run_child CMD...: CMD in the background with its output on ours, waited
# for so that a signal reaches us now (see on_signal); its status in $rc.
run_child()
{
	"$@" 2>&1 &
	child=$!
	rc=0
	wait "$child" || rc=$?
	child=
}

tpl_parse_args()
{
	[ $# -gt 0 ] || usage "no arguments"
	while [ $# -gt 0 ]; do
		case $1 in
		--describe)
			describe
			exit 0
			;;
		-h|--help)
			usage "$PROG: a sysctr template"
			;;
		--*=*)
			opt=${1%%=*}
			val=${1#*=}
			shift
			;;
		--*)
			[ $# -ge 2 ] || usage "option $1 needs a value"
			opt=$1
			val=$2
			shift 2
			;;
		*)
			usage "unexpected argument '$1'"
			;;
		esac
		case $opt in
		--name) name=$val ;;
		--rootfs) rootfs=$val ;;
		--release) release=$val ;;
		--arch) arch=$val ;;
		--mirror) mirror=$val ;;
		--cache) cache=$val ;;
		--meta) meta=$val ;;
		--source)
			[ "${TPL_SOURCE:-0}" -eq 1 ] || usage "unknown option $opt"
			source=$val
			;;
		*) usage "unknown option $opt" ;;
		esac
	done
	if [ "${TPL_NO_MIRROR:-0}" -eq 1 ]; then
		# nothing is downloaded
		mirror=
		cache=
	fi
}

tpl_check_target()
{
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	[ -n "$rootfs" ] || usage "--rootfs is required"
	[ -n "$meta" ] || usage "--meta is required"
	if [ "${TPL_SOURCE:-0}" -eq 1 ]; then
		[ -n "$source" ] ||
			usage "--source FILE is required (sysctr create $PROG NAME --from FILE)"
	fi
	case $rootfs in /*) ;; *) usage "--rootfs must be an absolute path" ;; esac
	case $rootfs in /) usage "--rootfs must not be /" ;; esac
	rootfs=${rootfs%/}
	[ -d "$rootfs" ] || die "rootfs $rootfs is not a directory"
	[ -z "$(ls -A "$rootfs")" ] || die "rootfs $rootfs is not empty"
	[ -d "$(dirname "$meta")" ] || die "directory of $meta does not exist"
	if [ -n "$cache" ]; then
		case $cache in /*) ;; *) usage "--cache must be an absolute path" ;; esac
	fi
	return 0
}

# write_meta KEY=VALUE...: release and arch, then the template's keys;
# atomically, as sysctr reads it only after we exit 0.
write_meta()
{
	tmp="$meta.tmp"
	{
		printf 'release=%s\n' "$release"
		printf 'arch=%s\n' "$arch"
		for kv in "$@"; do
			printf '%s\n' "$kv"
		done
	} >"$tmp"
	mv -f "$tmp" "$meta"
}
