#!/bin/sh
# Where lxcfs runs, a container's /proc/meminfo, /proc/cpuinfo and
# /proc/uptime follow its limits (liblxc's lxcfs hook, through the
# distribution config sysctr includes), and info says lxcfs is in use.
# An lxcfs the host runs already is used as it is; else this test runs
# one on /var/lib/lxcfs (where the hook looks) and ends it.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

command -v lxcfs >/dev/null || skip_all "no lxcfs"
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
ours=
# shellcheck disable=SC2034 # read by cleanup() in lib.sh
TEST_CLEANUP_EXTRA="stop_lxcfs"
stop_lxcfs() {
	[ -n "$ours" ] || return 0
	fusermount -u /var/lib/lxcfs 2>/dev/null || umount -l /var/lib/lxcfs
	i=0
	while [ -d "/proc/$ours" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -d "/proc/$ours" ] && signal_pid TERM "$ours" lxcfs
	return 0
}
if ! mountpoint -q /var/lib/lxcfs; then
	mkdir -p /var/lib/lxcfs
	lxcfs /var/lib/lxcfs >/dev/null 2>&1 &
	ours=$!
	i=0
	while ! mountpoint -q /var/lib/lxcfs && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
check "lxcfs serves /var/lib/lxcfs" mountpoint -q /var/lib/lxcfs

c="${PFX}-lx"
check "create with 64M and one CPU" sysctr create busybox "$c" --set resources.memory=64M --set resources.cpus=0
check "start" sysctr start "$c"
check_out "MemTotal inside is its limit" "65536" sh -c "'$SYSCTR' --root '$TROOT' exec '$c' -- awk '/^MemTotal/ {print \$2}' /proc/meminfo"
check_out "/proc/cpuinfo inside shows its one CPU" 1 sh -c "'$SYSCTR' --root '$TROOT' exec '$c' -- grep -c ^processor /proc/cpuinfo"
check_out "its uptime is its own (under a minute)" True sh -c "'$SYSCTR' --root '$TROOT' exec '$c' -- cat /proc/uptime | awk '{print (\$1 < 60) ? \"True\" : \"False\"}'"
check_out "info says lxcfs is in use" True json_of "d['live']['lxcfs']" sysctr info "$c" --format json
check_has "in the table too" "lxcfs:       yes" sysctr info "$c"
check "a live change of the limit" sysctr config set "$c" resources.memory=96M
check_out "shows inside at once" "98304" sh -c "'$SYSCTR' --root '$TROOT' exec '$c' -- awk '/^MemTotal/ {print \$2}' /proc/meminfo"
check "stop" sysctr stop -k "$c"
check "destroy" sysctr destroy "$c"

done_testing
