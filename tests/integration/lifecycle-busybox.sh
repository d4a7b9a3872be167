#!/bin/sh
# The whole lifecycle on a real busybox container.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

c="${PFX}-bb"

check "create busybox" sysctr create busybox "$c"
check_exit "create again is 'exists' (4)" 4 sysctr create busybox "$c"
check_out "list shows it STOPPED" STOPPED json_of "[x['state'] for x in d if x['name']=='$c'][0]" sysctr list --format json
check_out "info names the template" busybox json_of "d['template']" sysctr info "$c" --format json
check_exit "exec in a stopped container is a state error (4)" 4 sysctr exec "$c" -- true

check "start" sysctr start "$c"
check_out "info says RUNNING" RUNNING json_of "d['state']" sysctr info "$c" --format json
pid=$(sysctr info "$c" --format json | json_get "d['pid']")
if [ "$pid" -gt 1 ] && [ -d "/proc/$pid" ]; then ok "init pid $pid exists on the host"; else not_ok "init pid ($pid)"; fi
check_out "unprivileged: init runs as the mapped root on the host" 100000 proc_uid "$pid"
check_out "root inside is uid 0" 0 sysctr exec "$c" -- id -u
check_exit "start again is a state error (4)" 4 sysctr start "$c"

check_exit "exec returns the command's status" 7 sysctr exec "$c" -- sh -c 'exit 7'
check_out "exec passes stdout" hello sysctr exec "$c" -- echo hello
check_out "exec passes stdin" piped sysctr exec "$c" -- cat <<IN
piped
IN
# shellcheck disable=SC2016 # expanded inside
check_out "the host environment stays out" clean env FOO=host-secret "$SYSCTR" --root "$TROOT" exec "$c" -- sh -c 'echo "${FOO:-clean}"'
check_out "hostname is the container name" "$c" sysctr exec "$c" -- hostname

check "freeze" sysctr freeze "$c"
check_out "frozen" FROZEN json_of "d['state']" sysctr info "$c" --format json
check_out "list says so too (from its cgroup)" FROZEN json_of "[x['state'] for x in d if x['name'] == '$c'][0]" sysctr list --format json
check_exit "freeze again is a state error" 4 sysctr freeze "$c"
check "unfreeze" sysctr unfreeze "$c"
check_out "running again" RUNNING json_of "d['state']" sysctr info "$c" --format json
# list reads a running container from /proc and its cgroup with the pid
# its start recorded; a pid that is not its init any more (recorded
# wrong here by hand) sends it to liblxc, which still knows
ipid=$(json_of "d['pid']" sysctr info "$c" --format json)
check_out "list's pid is info's" "$ipid" json_of "[x['pid'] for x in d if x['name'] == '$c'][0]" sysctr list --format json
check "a wrong pid in the registry" python3 -c "import sqlite3; c = sqlite3.connect('$TROOT/var/lib/sysctr/sysctr.db'); c.execute(\"UPDATE containers SET pid = ? WHERE name = '$c'\", ($$,)); c.commit()"
check_out "list still gives its init's" "$ipid" json_of "[x['pid'] for x in d if x['name'] == '$c'][0]" sysctr list --format json
check_out "and its state" RUNNING json_of "[x['state'] for x in d if x['name'] == '$c'][0]" sysctr list --format json

check_out "clean stop" "ok STOPPED stopped" json_of "d['result'] + ' ' + d['state'] + ' ' + d['detail'].split()[0]" sysctr stop "$c" --format json
check_exit "stop again is a state error (4)" 4 sysctr stop "$c"
check_out "a stopped container has no pid: null, not 0" None json_of "d['pid']" sysctr info "$c" --format json

check "restart from stopped starts" sysctr restart "$c"
check "restart while running" sysctr restart "$c" -t 10
check_out "running after restart" RUNNING json_of "d['state']" sysctr info "$c" --format json

# A container whose init ignores its halt signal is killed after the timeout.
check "set a halt signal init ignores" sysctr config set "$c" raw.lxc.signal.halt=SIGURG
check "restart to apply it" sysctr restart "$c" -t 1
t0=$(date +%s)
check_out "stop escalates to kill" killed json_of "d['detail'].split()[0]" sysctr stop "$c" -t 2 --format json
t1=$(date +%s)
if [ $((t1 - t0)) -ge 2 ] && [ $((t1 - t0)) -le 15 ]; then ok "after the timeout ($((t1 - t0)) s)"; else not_ok "escalation took $((t1 - t0)) s"; fi
check "start again" sysctr start "$c"
check "stop -k kills at once" sysctr stop -k "$c"

check "start for destroy" sysctr start "$c"
check_exit "destroy of a running container is refused (4)" 4 sysctr destroy "$c"
check_out "still running after the refusal" RUNNING json_of "d['state']" sysctr info "$c" --format json

# Another sysctr holding the lock makes a command wait, then exit 5.
lock="$TROOT/run/sysctr/locks/$c.lock"
flock -o "$lock" sleep 6 &
holder=$!
sleep 0.3
err=$(sysctr stop "$c" 2>&1)
check_eq "a held lock gives busy (5)" 5 "$?"
# the lock file names the last sysctr that held it, which has exited: no
# pid is named for a holder that is not a live sysctr
check_eq "a holder that is no sysctr is not named" "sysctr: $c: busy: another sysctr holds its lock" "$err"
[ ! -d "/proc/$holder" ] || signal_pid TERM "$holder" "sleep 6"
wait "$holder" 2>/dev/null
# a live sysctr holding it is named: a stop waiting for an init that
# ignores its halt signal (SIGURG, set above) holds the lock 6 s
(exec "$SYSCTR" --root "$TROOT" stop -t 6 "$c" >/dev/null 2>&1) &
stopper=$!
sleep 0.5
err=$(sysctr freeze "$c" 2>&1)
check_eq "a lock held by a running sysctr gives busy (5)" 5 "$?"
check_eq "naming it" "sysctr: $c: busy: sysctr (pid $stopper) holds its lock since more than 2 s" "$err"
wait "$stopper"
check_out "the stop went on" STOPPED json_of "d['state']" sysctr info "$c" --format json

check "destroy -f" sysctr destroy -f "$c"
check_exit "info after destroy is not found (3)" 3 sysctr info "$c"
if [ -e "$TROOT/var/lib/sysctr/containers/$c" ]; then not_ok "directory removed"; else ok "directory removed"; fi

# create -c FILE --set ... --start, list filters and patterns, history -n
cat > "$TROOT/seed.conf" <<CONF
# a seed config
resources {
  pids = 512
}
CONF
s2="${PFX}-seed"
check "create -c FILE --set --start" sysctr create busybox "$s2" -c "$TROOT/seed.conf" --set autostart.enabled=true --start
check_out "-c FILE was the starting point" 512 sysctr config get "$s2" resources.pids
check_out "--set on top of it" true sysctr config get "$s2" autostart.enabled
if grep -q "# a seed config" "$TROOT/var/lib/sysctr/containers/$s2/container.conf"; then ok "its comments kept"; else not_ok "its comments kept"; fi
check_out "--start started it" RUNNING json_of "d['state']" sysctr info "$s2" --format json
check_out "list --running" "$s2" json_of "' '.join(x['name'] for x in d)" sysctr list --running --format json
check_out "list --stopped" "" json_of "' '.join(x['name'] for x in d if x['name']=='$s2')" sysctr list --stopped --format json
check_out "list PATTERN" "$s2" json_of "' '.join(x['name'] for x in d)" sysctr list "*-seed" --format json
check_out "list shows autostart" True json_of "[x['autostart'] for x in d if x['name']=='$s2'][0]" sysctr list --format json
check_out "history -n 1 is the newest entry" start json_of "d[0]['action']" sysctr history "$s2" -n 1 --format json
check "destroy -f" sysctr destroy -f "$s2"

# privileged on request: root inside is root on the host
p="${PFX}-priv"
check "create privileged" sysctr create busybox "$p" --set security.privileged=true
check "start privileged" sysctr start "$p"
pid=$(sysctr info "$p" --format json | json_get "d['pid']")
check_out "privileged init runs as host root" 0 proc_uid "$pid"
check_out "info says privileged" True json_of "d['privileged']" sysctr info "$p" --format json
check "freeze, then destroy -f of a frozen container" sysctr freeze "$p"
check "destroy -f frozen" sysctr destroy -f "$p"
if [ -d "/proc/$pid" ]; then not_ok "frozen init is gone"; else ok "frozen init is gone"; fi

hist=$(sysctr history "$c" --format json | json_get "' '.join(x['action'] + ':' + x['outcome'] for x in d)")
case $hist in
"create:ok create:failed start:ok start:failed freeze:ok freeze:failed unfreeze:ok stop:ok stop:failed restart:ok"*"destroy:failed stop:ok destroy:ok")
	ok "history records every action and its outcome" ;;
*) not_ok "history: $hist" ;;
esac
detail=$(sysctr history "$c" --format json | json_get "[x['detail'] for x in d if x['action']=='stop' and x['outcome']=='ok'][0]")
case $detail in "stopped cleanly after "*) ok "history says how it stopped" ;; *) not_ok "stop detail: $detail" ;; esac

done_testing
