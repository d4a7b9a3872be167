#!/bin/sh
# start --wait on real busybox containers: each ready check (started,
# exec:COMMAND, tcp:PORT, the container's own autostart.ready), a check
# that never passes (a clear error after --timeout, the container left
# running), a container that stops while waited for, bad arguments.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

c="${PFX}-rw"
check "create" sysctr create busybox "$c"
# busybox's image says its init is not systemd: the default "systemd"
# would never pass, so create writes "started", where the admin sees it
check_out "create wrote autostart.ready = started for busybox" started sysctr config get "$c" autostart.ready
check_has "in the file itself" 'ready = "started"' cat "$TROOT/var/lib/sysctr/containers/$c/container.conf"
check_has "--wait takes it" "ready (started)" sysctr start "$c" --wait
check "stop" sysctr stop -k "$c"
c2="${PFX}-rw2" c3="${PFX}-rw3"
check "create --set autostart.ready=tcp:80" sysctr create busybox "$c2" --set autostart.ready=tcp:80
check_out "keeps the admin's choice" tcp:80 sysctr config get "$c2" autostart.ready
printf 'autostart {\n  ready = "systemd"\n}\n' >"$TROOT/ready-systemd.conf"
check "create -c FILE that says systemd" sysctr create busybox "$c3" -c "$TROOT/ready-systemd.conf"
check_out "keeps it too" systemd sysctr config get "$c3" autostart.ready
check "destroy both" sh -c "'$SYSCTR' --root '$TROOT' destroy '$c2' >/dev/null && '$SYSCTR' --root '$TROOT' destroy '$c3' >/dev/null"
check_has "--wait=started" "ready (started)" sysctr start "$c" --wait=started
check "stop" sysctr stop -k "$c"
check_has "--wait=exec:COMMAND" "ready (exec:test -d /proc/1)" sysctr start "$c" "--wait=exec:test -d /proc/1"
check "stop" sysctr stop -k "$c"

# a listener started by its init: busybox httpd, respawned
check "a service on port 8080 at boot" sh -c "'$SYSCTR' --root '$TROOT' start '$c' >/dev/null && '$SYSCTR' --root '$TROOT' exec '$c' -- sh -c 'echo \"::respawn:/bin/busybox httpd -f -p 8080 -h /tmp\" >> /etc/inittab' && '$SYSCTR' --root '$TROOT' stop -k '$c' >/dev/null"
check_has "--wait=tcp:8080" "ready (tcp:8080)" sysctr start "$c" --wait=tcp:8080
check "stop" sysctr stop -k "$c"
check_exit "--wait=tcp:8081 (nothing listens) fails after --timeout (1)" 1 sysctr start "$c" --wait=tcp:8081 --timeout 1
check_has "saying so" "not ready after 1 s (tcp:8081)" sh -c "'$SYSCTR' --root '$TROOT' stop -k '$c' >/dev/null; '$SYSCTR' --root '$TROOT' start '$c' --wait=tcp:8081 --timeout 1 2>&1; true"
check_out "and leaves it running" RUNNING json_of "d['state']" sysctr info "$c" --format json
check "stop" sysctr stop -k "$c"

check_exit "--wait=systemd where no systemd runs fails after --timeout (1)" 1 sysctr start "$c" --wait=systemd --timeout 1
check "stop" sysctr stop -k "$c"

# liblxc's start moves its caller into the monitor's cgroup; a sysctr
# that waits on must be back in its own (else the monitor cannot remove
# its cgroup at the stop, and a sysctr run by a unit leaves the unit's)
own_cgroups=$(cat /proc/self/cgroup)
"$SYSCTR" --root "$TROOT" start "$c" --wait=tcp:8081 --timeout 3 >/dev/null 2>&1 &
waiter=$!
waiter_cgroups=
for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	sleep 0.1
	sysctr info "$c" 2>/dev/null | grep -q "^state: *RUNNING" && sleep 0.3 && waiter_cgroups=$(cat "/proc/$waiter/cgroup" 2>/dev/null) && break
done
wait "$waiter"
case $waiter_cgroups in
"") not_ok "read the cgroups of the waiting sysctr" ;;
*lxc.monitor*) not_ok "a waiting sysctr is in the monitor's cgroup: $waiter_cgroups" ;;
*) check_eq "a waiting sysctr is in its own cgroups" "$own_cgroups" "$waiter_cgroups" ;;
esac
check "stop" sysctr stop -k "$c"

# the default: its autostart.ready and autostart.timeout
check "autostart.ready = exec:true" sysctr config set "$c" autostart.ready=exec:true
check_has "--wait takes it" "ready (exec:true)" sysctr start "$c" --wait
check "stop" sysctr stop -k "$c"
check "autostart.ready = exec:false, timeout 1" sysctr config set "$c" autostart.ready=exec:false autostart.timeout=1
check_exit "a check that never passes: exit 1" 1 sysctr start "$c" --wait
check "stop" sysctr stop -k "$c"

# stopped while waited for: the wait ends at once, not at its timeout
check "autostart.timeout = 60" sysctr config set "$c" autostart.timeout=60
t0=$(date +%s)
( sleep 2; "$SYSCTR" --root "$TROOT" stop -k "$c" >/dev/null 2>&1 ) &
stopper=$!
check_exit "a container stopped while waited for: state (4)" 4 sysctr start "$c" --wait
wait "$stopper"
took=$(($(date +%s) - t0))
if [ "$took" -lt 30 ]; then ok "the wait ended when it stopped ($took s)"; else not_ok "the wait took $took s"; fi
# the monitor removed its cgroup as it ended (it leaked one per such stop
# while the waiting sysctr sat in it)
left=
for _i in 1 2 3 4 5 6 7 8 9 10; do
	left=$(ls -d /sys/fs/cgroup/lxc.monitor."$c"* /sys/fs/cgroup/*/lxc.monitor."$c"* 2>/dev/null)
	[ -z "$left" ] && break
	sleep 0.5
done
check_eq "no monitor cgroup is left behind" "" "$left"

# killed while a probe attaches: liblxc's attach can _exit(1) the process
# that calls it when the container dies under it, so the probes attach
# from a child; the wait must end as "stopped" (4) with its message, every
# time, never silently with 1. Kills at moments spread over the probes'
# 200 ms period make a probe in its attach likely in some of them.
bad=
for delay in 0.45 0.5 0.55 0.6 0.65 0.7 0.75 0.8 0.85 0.9; do
	( sleep "$delay"; "$SYSCTR" --root "$TROOT" stop -k "$c" >/dev/null 2>&1 ) &
	killer=$!
	out=$("$SYSCTR" --root "$TROOT" start "$c" --wait 2>&1)
	rc=$?
	wait "$killer"
	case "$rc:$out" in
	4:?*) ;;
	*) bad="$bad [after $delay s: exit $rc: '$out']" ;;
	esac
done
check_eq "killed while probed, ten times: each wait ends as stopped (4), saying so" "" "$bad"

# bad arguments
check_exit "--wait=bogus: usage (2)" 2 sysctr start "$c" --wait=bogus
check_out "and it was not started" STOPPED json_of "d['state']" sysctr info "$c" --format json
check_exit "--timeout without --wait: usage (2)" 2 sysctr start "$c" --timeout 5
check_exit "--timeout 0: usage (2)" 2 sysctr start "$c" --wait --timeout 0

done_testing
