#!/bin/sh
# Prove the Debian package (debian/) the way an admin meets it, on fresh
# minbase Debian 12 (bookworm) roots made with debootstrap, as root:
#
#   1. build: in one fresh root, install the packaging tools of
#      scripts/debian-packages.txt ("# the .deb" part) and the package's
#      Build-Depends (apt-get build-dep), build the .deb from a copy of
#      this tree (dpkg-buildpackage -us -uc -b) and run lintian on it;
#   2. install: in another fresh root, `apt-get install ./sysctr_*.deb`
#      (apt takes the Depends from the mirror; without Recommends, so the
#      Depends alone must do), create, start and exec a busybox container
#      (network.mode=none: no bridge), stop it;
#   3. purge: `apt-get purge sysctr`, then every file `dpkg -L sysctr`
#      listed is gone, the conffile /etc/sysctr/sysctr.conf too, nothing
#      named sysctr is left outside the admin's state, and the container
#      (/var/lib/sysctr/containers/t) and the registry are kept.
#
# It prints one line per check ("ok" or "FAIL" and what) and exits 1 when
# any failed. The roots are entered as .ci/run enters its own: a private
# mount namespace and pivot_root (.ci/enter-fresh-root.sh; the kernel
# refuses user namespaces to a chrooted process). No process started in a
# root may outlive it: the container is stopped, and any process left in
# a root's mount namespace is named (a failure) and killed by its pid.
#
# This machine needs debootstrap and unshare (util-linux). The mirror is
# $SYSCTR_CI_MIRROR (default http://deb.debian.org/debian); the roots live
# in a temporary directory under $SYSCTR_DEB_CHECK_DIR (default /var/tmp),
# removed at exit.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mirror=${SYSCTR_CI_MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" -ne 0 ]; then
	echo "deb-check.sh: run as root (sudo $0)" >&2
	exit 1
fi
for tool in debootstrap unshare; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "deb-check.sh: $tool is missing (apt-get install $tool)" >&2
		exit 1
	fi
done

work=$(mktemp -d "${SYSCTR_DEB_CHECK_DIR:-/var/tmp}/sysctr-deb-check.XXXXXX")
# The roots' mounts live in their private mount namespaces and are gone
# with them; --one-file-system in case one is not.
trap 'rm -rf --one-file-system "$work"' EXIT
trap 'exit 1' HUP INT TERM
start=$(date +%s)
elapsed() {
	echo "$(($(date +%s) - start)) s"
}

# Run COMMANDS (sh) in ROOT, then name and kill any process still in the
# root's mount namespace (COMMANDS write it to ROOT/MNTNS_FILE): there
# must be none.
in_root() {
	root=$1 mntns_file=$2 commands=$3
	rc=0
	unshare --mount --propagation private \
		sh "$top/.ci/enter-fresh-root.sh" "$root" "$commands" || rc=$?
	if [ -s "$root$mntns_file" ]; then
		ns=$(cat "$root$mntns_file")
		left=
		for proc in /proc/[0-9]*; do
			if [ "$(readlink "$proc/ns/mnt" 2>/dev/null)" = "$ns" ]; then
				left="$left ${proc#/proc/}"
			fi
		done
		if [ -n "$left" ]; then
			echo "FAIL no process started in $root survives: left$left"
			for pid in $left; do
				tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true
				echo " (pid $pid, killed)"
				kill -KILL "$pid" 2>/dev/null || true
			done
			rc=1
		else
			echo "ok   no process started in $root survives"
		fi
	fi
	return "$rc"
}

# Daemons of the dependencies (lxc-net, lxcfs) would start from their
# init scripts in a root without an init, on this host's network: the
# policy-rc.d that chroot builds use says no.
no_daemons='printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d'

echo "== debootstrap --variant=minbase bookworm ($mirror)"
fresh=$work/fresh
debootstrap --variant=minbase bookworm "$fresh" "$mirror" >"$work/debootstrap.log" 2>&1 ||
	{ tail -n 30 "$work/debootstrap.log"; exit 1; }
# an unprivileged container's root must search every directory above its
# rootfs, / of the root included
chmod 0755 "$fresh"

# ---- 1. build ----------------------------------------------------------
echo "== build the .deb in a fresh root ($(elapsed))"
build=$work/build
cp -a "$fresh" "$build"
mkdir -p "$build/usr/src/sysctr"
# The tree as git sees it (tracked and new files, not what is ignored:
# build trees, generated autotools files); a tree without git is copied
# whole but for those.
if command -v git >/dev/null 2>&1 && git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	# (less the tracked files deleted in the tree)
	# shellcheck disable=SC2016 # expanded by the inner sh
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
		tar -C "$top" --null -T - -cf - | tar -C "$build/usr/src/sysctr" -xf -
else
	tar -C "$top" --exclude=.git --exclude=./build --exclude=./build-asan \
		--exclude=./build-dist --exclude=autom4te.cache -cf - . |
		tar -C "$build/usr/src/sysctr" -xf -
fi
# the packaging tools: that part of debian-packages.txt, its last, to the end
sed -n '/^# the \.deb (scripts\/deb-check\.sh)/,$p' "$top/scripts/debian-packages.txt" |
	grep -v '^[[:space:]]*#' >"$build/usr/src/deb-tools.txt"
# shellcheck disable=SC2016 # expanded by the root's shell
build_cmds=$no_daemons'
readlink /proc/self/ns/mnt >/usr/src/mntns
export DEBIAN_FRONTEND=noninteractive
log=/usr/src/build.log
cd /usr/src/sysctr
step() {
	echo "-- $*" >>"$log"
	t0=$(date +%s)
	if "$@" >>"$log" 2>&1; then
		echo "ok   $* ($(($(date +%s) - t0)) s)"
	else
		echo "FAIL $*"
		tail -n 40 "$log"
		exit 1
	fi
}
step apt-get update -q
# shellcheck disable=SC2046 # one word per package
step apt-get install -y -q --no-install-recommends $(cat /usr/src/deb-tools.txt)
step apt-get build-dep -y -q --no-install-recommends ./
step dpkg-buildpackage -us -uc -b -J"$(nproc)"
deb=$(ls /usr/src/sysctr_*.deb)
lintian --pedantic --display-info "$deb" 2>/dev/null | sed "s/^/     lintian: /"
step lintian --fail-on error "$deb"
'
in_root "$build" /usr/src/mntns "$build_cmds"
deb=
for f in "$build"/usr/src/sysctr_*.deb; do
	[ -e "$f" ] && deb=$f
done
[ -n "$deb" ] || { echo "FAIL the build made no sysctr_*.deb"; exit 1; }
mkdir -p "$fresh/root/deb-check"
cp "$deb" "$fresh/root/deb-check/"
echo "== built ${deb##*/} ($(elapsed))"
rm -rf --one-file-system "$build"

# ---- 2. install, use, 3. purge -----------------------------------------
echo "== install, use and purge it in a fresh root"
# shellcheck disable=SC2016 # expanded by the root's shell
test_cmds=$no_daemons'
readlink /proc/self/ns/mnt >/root/deb-check/mntns
export DEBIAN_FRONTEND=noninteractive
cd /root/deb-check
status=0
check() {
	what=$1
	shift
	if "$@" >check.out 2>&1; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		tail -n 30 check.out | sed "s/^/     /"
		status=1
	fi
}
conffile() {
	test -f /etc/sysctr/sysctr.conf &&
		dpkg-query -W -f="\${Conffiles}\n" sysctr | grep -q "^ /etc/sysctr/sysctr.conf "
}
enabled() {
	for unit in multi-user.target.wants/sysctr.service \
		multi-user.target.wants/sysctr-net.service \
		timers.target.wants/sysctr-snapshot.timer; do
		test -L "/etc/systemd/system/$unit" || { echo "not enabled: $unit"; return 1; }
	done
}
stopped() {
	sysctr info t --format json | grep -q "\"state\": *\"STOPPED\""
}
files_gone() {
	left=0
	while read -r f; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			echo "left: $f"
			left=1
		fi
	done <files
	[ "$left" -eq 0 ]
}
nothing_named_sysctr() {
	left=$(find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
		-o -path /root/deb-check -o -path /var/lib/sysctr \
		-o -path /var/cache/sysctr -o -path /var/log/sysctr \) -prune \
		-o -name "*sysctr*" -print)
	[ -z "$left" ] || { echo "$left"; return 1; }
}

check "apt-get update" apt-get update -q
check "apt-get install ./sysctr_*.deb (Depends from the mirror)" \
	apt-get install -y -q --no-install-recommends ./sysctr_*.deb
if ! command -v sysctr >/dev/null; then
	cat check.out
	exit 1
fi
# what the package installed, files and links (directories may be shared)
# (a directory through a link counts as one: dpkg lists /lib, the usrmerge
# link to /usr/lib)
dpkg -L sysctr | while read -r f; do
	if [ ! -d "$f" ]; then
		echo "$f"
	fi
done >files
check "/etc/sysctr/sysctr.conf is a conffile" conffile
check "sysctr.service, sysctr-net.service, sysctr-snapshot.timer enabled" enabled
check "sysctr create busybox t --set network.mode=none" \
	sysctr create busybox t --set network.mode=none
check "sysctr start t" sysctr start t
check "sysctr exec t -- true" sysctr exec t -- true
check "sysctr stop -k t" sysctr stop -k t
check "t is stopped" stopped
check "apt-get purge sysctr" apt-get purge -y -q sysctr
check "the $(wc -l <files) files of dpkg -L sysctr are gone" files_gone
check "/etc/sysctr/sysctr.conf is gone" test ! -e /etc/sysctr/sysctr.conf
check "nothing named sysctr left but /var/{lib,cache,log}/sysctr" nothing_named_sysctr
check "/var/lib/sysctr/containers/t is kept" test -d /var/lib/sysctr/containers/t
check "the registry /var/lib/sysctr/sysctr.db is kept" test -f /var/lib/sysctr/sysctr.db
exit "$status"
'
status=0
in_root "$fresh" /root/deb-check/mntns "$test_cmds" || status=$?
if [ "$status" -eq 0 ]; then
	echo "== deb-check: all passed ($(elapsed))"
else
	echo "== deb-check: FAILED ($(elapsed))"
fi
exit "$status"
