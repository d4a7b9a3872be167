#!/bin/sh
# resources { } on real busybox containers: the limits reach the cgroup at
# start and bite (a memory hog is OOM-killed while the container and a
# neighbour carry on, a fork flood stops at pids, a cpuset shows in nproc,
# cpu_max holds a busy loop near its quota); config set changes them on
# the running container, refuses a value the kernel will not take and
# loses nothing; bad values are refused with one line.
# shellcheck disable=SC2016 # the $ in the commands run inside the container is theirs
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

c="${PFX}-res"
n="${PFX}-nb"
V2=false
[ -f /sys/fs/cgroup/cgroup.controllers ] && V2=true

# cg FILE [CONTROLLER]: a file of the container's cgroup, found from its
# init's /proc/PID/cgroup (v2: the one line 0::PATH; v1: the hierarchy
# of the controller, mounted as /sys/fs/cgroup/HIERARCHY).
cg() {
	_pid=$(json_of "d['pid']" sysctr info "$c" --format json) || return
	if $V2; then
		_p=$(sed -n 's/^0:://p' "/proc/$_pid/cgroup")
		cat "/sys/fs/cgroup$_p/$1"
	else
		_h=$(awk -F: -v k="${2:-${1%%.*}}" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == k) print $2 ":" $3 }' "/proc/$_pid/cgroup")
		cat "/sys/fs/cgroup/${_h%%:*}${_h#*:}/$1"
	fi
}

check "create with limits" sysctr create busybox "$c" --set resources.memory=64M --set resources.memory_swap=0 --set resources.cpus=0 --set resources.pids=64 --set resources.cpu_weight=50
check "create a neighbour" sysctr create busybox "$n"
check "start" sysctr start "$c"
check "start the neighbour" sysctr start "$n"

# ---- at start, in the cgroup ----
if $V2; then
	check_out "memory.max" 67108864 cg memory.max
	check_out "memory.swap.max" 0 cg memory.swap.max
	check_out "pids.max" 64 cg pids.max
	check_out "cpu.weight" 50 cg cpu.weight
else
	check_out "memory.limit_in_bytes" 67108864 cg memory.limit_in_bytes
	check_out "memory.memsw.limit_in_bytes (memory and no swap)" 67108864 cg memory.memsw.limit_in_bytes
	check_out "pids.max" 64 cg pids.max
	check_out "cpu.shares (weight 50 on v1's scale)" 512 cg cpu.shares
fi
check_out "cpuset.cpus" 0 cg cpuset.cpus

# ---- the cpuset: one CPU inside ----
check_out "nproc inside follows the cpuset" 1 sysctr exec "$c" -- nproc
check_out "and so does the affinity of a process" 0 sysctr exec "$c" -- awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status

# ---- a memory hog: killed inside, the container and its neighbour live on ----
# a string doubled until the limit: awk grows to 64M and the cgroup's OOM
# killer ends it (exit 137, SIGKILL), nothing else
check_exit "a memory hog is killed inside (SIGKILL: 137)" 137 sysctr exec "$c" -- awk 'BEGIN { s = "xxxxxxxxxxxxxxxx"; while (1) s = s s }'
check_out "the container still runs" RUNNING json_of "d['state']" sysctr info "$c" --format json
check_out "and answers" alive sysctr exec "$c" -- echo alive
check_out "the neighbour was not touched" alive sysctr exec "$n" -- echo alive
if $V2; then
	check_has "the kernel counted the OOM kill" "oom_kill 1" cg memory.events
else
	check_has "the kernel counted the OOM kill" "oom_kill 1" cg memory.oom_control
fi

# ---- a fork flood stops at pids ----
# 200 sleepers asked for, at most 64 tasks in the container; the shell
# says it cannot fork and the rest are refused
sysctr exec "$c" -- sh -c 'i=0; while [ $i -lt 200 ]; do sleep 300 & i=$((i+1)); done; wait' >/dev/null 2>&1 &
flood=$!
sleep 2
pids=$(cg pids.current)
if [ "${pids:-0}" -ge 60 ] && [ "$pids" -le 64 ]; then ok "a fork flood stops at pids.max ($pids tasks)"; else not_ok "pids.current is '$pids' (wanted 60-64)"; fi
check_out "the neighbour can still fork" ok sysctr exec "$n" -- sh -c 'sleep 0 & wait; echo ok'
check_exit "exec cannot fork a process into it either (1)" 1 sysctr exec "$c" -- true
check "pids raised live" sysctr config set "$c" resources.pids=128
check "so the flood can be ended" sysctr exec "$c" -- killall sleep
wait "$flood" 2>/dev/null

# ---- cpu_max: a busy loop held near its quota ----
# busy SECONDS: CPU time the container used per second of a busy loop of
# SECONDS, in percent of one CPU
busy() {
	if $V2; then
		u0=$(cg cpu.stat | awk '/^usage_usec/ {print $2 * 1000}')
	else
		u0=$(cg cpuacct.usage cpuacct)
	fi
	t0=$(date +%s%N)
	sysctr exec "$c" -- timeout -s KILL "$1" sh -c 'while :; do :; done' >/dev/null 2>&1
	t1=$(date +%s%N)
	if $V2; then
		u1=$(cg cpu.stat | awk '/^usage_usec/ {print $2 * 1000}')
	else
		u1=$(cg cpuacct.usage cpuacct)
	fi
	echo $(((u1 - u0) * 100 / (t1 - t0)))
}
check "cpu_max = 25% on the running container" sysctr config set "$c" resources.cpu_max=25%
pct=$(busy 3)
if [ "$pct" -ge 15 ] && [ "$pct" -le 35 ]; then ok "a busy loop is held near 25% ($pct%)"; else not_ok "a busy loop under cpu_max 25% used $pct% of a CPU"; fi
check_has "the limit lifted live" "resources.cpu_max applied to the running container" sysctr config set "$c" resources.cpu_max=
pct=$(busy 2)
# well above the quota's 35% ceiling; not a whole CPU, which another test
# running beside this one on two cores can take a third of
if [ "$pct" -ge 50 ]; then ok "without the quota it takes far more than 25% ($pct%)"; else not_ok "without cpu_max a busy loop used only $pct%"; fi

# ---- config set on the running container ----
check_has "memory raised live (memsw with it)" "resources.memory, resources.memory_swap applied to the running container" sysctr config set "$c" resources.memory=96M
if $V2; then
	check_out "in the cgroup" 100663296 cg memory.max
else
	check_out "in the cgroup" 100663296 cg memory.limit_in_bytes
	check_out "memsw follows (no swap)" 100663296 cg memory.memsw.limit_in_bytes
fi
check_has "pids changed live" "applied to the running container" sysctr config set "$c" resources.pids=120
check_out "pids.max" 120 cg pids.max
check_has "cpus lifted live" "applied" sysctr config set "$c" resources.cpus=
check_out "nproc sees every CPU again" "$(nproc)" sysctr exec "$c" -- nproc
check_has "a key that waits for the next start says so" "network.hwaddr takes effect at the next start" sysctr config set "$c" network.hwaddr=00:16:3e:aa:bb:cc
out=$(sysctr config set "$c" resources.pids=100 network.hwaddr=00:16:3e:aa:bb:cd 2>&1)
case $out in
*"resources.pids applied"*"network.hwaddr takes effect at the next start"*) ok "a mixed set says both" ;;
*) not_ok "a mixed set said: $out" ;;
esac
check_out "json says what was applied" "applied live: resources.pids" json_of "d['detail']" sysctr config set "$c" resources.pids=99 --format json

# a limit below what it uses now: the kernel refuses (v1) and nothing
# changes; cgroup v2 OOM-kills instead of refusing, so only v1 is asked
if ! $V2; then
	sysctr exec "$c" -- sh -c 'x=$(head -c 30000000 /dev/zero | tr "\0" x); sleep 300; echo ${#x}' >/dev/null 2>&1 &
	holder=$!
	i=0
	while [ "$(cg memory.usage_in_bytes)" -lt 30000000 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	check_exit "memory below what it uses now is refused (1)" 1 sysctr config set "$c" resources.memory=20M
	check_has "saying why" "resources.memory: the kernel refused" sh -c "'$SYSCTR' --root '$TROOT' config set '$c' resources.memory=20M 2>&1; true"
	check_out "the file keeps its value" 96M sysctr config get "$c" resources.memory
	check_out "and so does the cgroup" 100663296 cg memory.limit_in_bytes
	check_out "memsw was put back too" 100663296 cg memory.memsw.limit_in_bytes
	check "end the holder" sysctr exec "$c" -- killall sleep
	wait "$holder" 2>/dev/null
fi

# config edit applies resources live as well
check "an editor that sets pids = 77" sh -c "printf '#!/bin/sh\nsed -i \"s/pids = .*/pids = 77/\" \"\$1\"\n' > '$TROOT/ed' && chmod +x '$TROOT/ed'"
check_has "config edit applies it live" "resources.pids applied" env EDITOR="$TROOT/ed" "$SYSCTR" --root "$TROOT" config edit "$c"
check_out "pids.max" 77 cg pids.max

# ---- info: the kernel's figures, apart from container.conf's ----
check_out "info: the live memory limit" 100663296 json_of "d['live']['memory_limit_bytes']" sysctr info "$c" --format json
check_out "info: the configured one" 100663296 json_of "d['memory_bytes']" sysctr info "$c" --format json
check_out "info: the pids limit" 77 json_of "d['live']['pids_limit']" sysctr info "$c" --format json
check_out "info: tasks counted" True json_of "0 < d['live']['pids'] <= 77" sysctr info "$c" --format json
check_out "info: CPU time counted (the busy loops)" True json_of "d['live']['cpu_seconds'] > 1" sysctr info "$c" --format json
check_out "info: memory in use below the limit" True json_of "0 < d['live']['memory_usage_bytes'] < 100663296" sysctr info "$c" --format json
check_out "info: uptime" True json_of "0 <= d['live']['uptime_seconds'] < 3600" sysctr info "$c" --format json
check_out "info: unprivileged as it runs" False json_of "d['live']['privileged']" sysctr info "$c" --format json
check_out "info: its own layer's size" True json_of "d['disk_bytes'] >= 0" sysctr info "$c" --format json
check_has "info: the table shows it" "pids:        " sysctr info "$c"
check_has "info: and the last history rows" "config edit" sysctr info "$c"
check_out "list shows its memory use" True json_of "[x['memory_usage_bytes'] for x in d if x['name'] == '$c'][0] > 0" sysctr list --format json
check_has "list's table has a MEMORY column" "MEMORY" sysctr list

# ---- top ----
sysctr exec "$c" -- timeout -s KILL 4 sh -c 'while :; do :; done' >/dev/null 2>&1 &
spinner=$!
sleep 1
check_out "top --format json: a busy loop shows as CPU" True json_of "[r['cpu_percent'] for r in d if r['name'] == '$c'][0] > 50" sysctr top --format json
wait "$spinner"
check_out "top: memory and tasks as the cgroup counts them" True json_of "[r['memory_usage_bytes'] > 0 and r['pids'] > 0 and r['pids_limit'] == 77 for r in d if r['name'] == '$c'][0]" sysctr top --format json
check_out "top: a stopped container is not listed" False json_of "'${PFX}-priv' in [r['name'] for r in d]" sysctr top --format json
check_has "top without a terminal prints one table" "CPU%" sysctr top --interval 0.2
check_exit "top --interval 0: usage (2)" 2 sysctr top --interval 0

check "a privileged neighbour" sysctr create busybox "${PFX}-priv" --set security.privileged=true
check "start it" sysctr start "${PFX}-priv"
check_out "info: privileged as it runs" True json_of "d['live']['privileged']" sysctr info "${PFX}-priv" --format json
check "stop it" sysctr stop -k "${PFX}-priv"
check_out "info of a stopped one has no live figures" None json_of "d['live']" sysctr info "${PFX}-priv" --format json

# ---- bad values: one line, exit 2, nothing changed ----
check_exit "cpu_max = half: usage (2)" 2 sysctr config set "$c" resources.cpu_max=half
check_exit "cpu_weight = 0.5: usage (2)" 2 sysctr config set "$c" resources.cpu_weight=0.5
check_exit "io_weight = 20000: usage (2)" 2 sysctr config set "$c" resources.io_weight=20000
check_exit "memory_swap without memory: usage (2)" 2 sysctr config set "$c" resources.memory= resources.memory_swap=1G
check_out "memory untouched" 96M sysctr config get "$c" resources.memory
check_exit "cpus = 0-4095 (not online): usage (2)" 2 sysctr config set "$c" resources.cpus=0-4095
check_out "pids.max untouched" 77 cg pids.max

# ---- io_weight: applied where the host has a weight, else said ----
check "stop" sysctr stop -k "$c"
check "io_weight = 300" sysctr config set "$c" resources.io_weight=300
out=$(sysctr start "$c" 2>&1)
# bfq's weight exists below the root only, where the bfq module is loaded
if $V2 || ls /sys/fs/cgroup/blkio/*/blkio.bfq.weight >/dev/null 2>&1; then
	if $V2; then
		check_out "io.weight" "default 300" cg io.weight
	else
		check_out "blkio.bfq.weight" 300 cg blkio.bfq.weight blkio
	fi
elif ls /sys/fs/cgroup/blkio/*/blkio.weight >/dev/null 2>&1; then
	check_out "blkio.weight (v1's scale)" 1000 cg blkio.weight blkio
else
	case $out in
	*"io_weight is not applied"*) ok "no I/O weight on this host: the start says so" ;;
	*) not_ok "start said: $out" ;;
	esac
fi
check_out "and it runs" RUNNING json_of "d['state']" sysctr info "$c" --format json

done_testing
