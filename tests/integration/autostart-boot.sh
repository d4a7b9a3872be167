#!/bin/sh
# autostart --boot and --shutdown on real busybox containers: levels in
# order, readiness before the next level, a failure that blocks only what
# starts after it, --group, the reverse order at shutdown, a kill after
# the container's autostart.timeout, history, and the systemd unit that runs both.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"
command -v systemd-analyze >/dev/null || skip_all "no systemd-analyze (systemd)"

a="${PFX}-a" b="${PFX}-b" c="${PFX}-c" d="${PFX}-d"
x="${PFX}-x" y="${PFX}-y" off="${PFX}-off"
state() { json_of "d['state']" sysctr info "$1" --format json; }
# pos TEXT NAME: the line number of NAME's line in TEXT
pos() { printf '%s\n' "$1" | grep -n -- "^$2:" | cut -d: -f1; }

for n in "$a" "$b" "$c" "$d" "$off"; do
	check "create $n" sysctr create busybox "$n"
done
check "a: order 10, ready when its init runs" sysctr config set "$a" autostart.enabled=true autostart.order=10 autostart.ready=exec:test\ -d\ /proc/1
check "b: after a, with a delay" sysctr config set "$b" autostart.enabled=true "autostart.after=$a" autostart.ready=started autostart.delay=1
check "c: order 10 too" sysctr config set "$c" autostart.enabled=true autostart.order=10 autostart.ready=started autostart.group=side
check "d: after b" sysctr config set "$d" autostart.enabled=true "autostart.after=$b" autostart.ready=started
check_out "the plan" "$a $c|$b|$d" sh -c "'$SYSCTR' --root '$TROOT' autostart --plan --format json | python3 -c \"import json,sys; d=json.load(sys.stdin); print('|'.join(' '.join(c['name'] for c in l) for l in d['levels']))\""

out=$(sysctr autostart --boot 2>&1)
rc=$?
check_eq "--boot succeeds" 0 "$rc"
printf '%s\n' "$out" | sed 's/^/# /'
for n in "$a" "$b" "$c" "$d"; do
	check_out "$n runs" RUNNING state "$n"
done
check_out "a container without autostart stays stopped" STOPPED state "$off"
pa=$(pos "$out" "$a") pb=$(pos "$out" "$b") pd=$(pos "$out" "$d")
if [ -n "$pa" ] && [ -n "$pb" ] && [ -n "$pd" ] && [ "$pa" -lt "$pb" ] && [ "$pb" -lt "$pd" ]; then
	ok "a was ready before b, b before d"
else
	not_ok "order of readiness: a=$pa b=$pb d=$pd"
fi
check_has "each says how it got ready" "ready (exec:test -d /proc/1)" printf '%s' "$out"
check_has "history keeps it" "ready (started)" sysctr history "$b"
check_out "info shows the last boot" "ok ready (started)" json_of "d['last_boot']['result'] + ' ' + d['last_boot']['detail'][:15]" sysctr info "$b" --format json
check_has "and its autostart" "yes: order 50, ready started" sysctr info "$b"
check_has "list shows the order and group" "yes (10, side)" sysctr list
check_out "and in JSON" "10 side started" json_of "[' '.join([str(x['autostart_order']), x['autostart_group'], x['autostart_ready']]) for x in d if x['name'] == '$c'][0]" sysctr list --format json
check_out "a container that never booted has no last boot" None json_of "d['last_boot']" sysctr info "$off" --format json
check_out "--boot again: what runs already counts as started" 0 sh -c "'$SYSCTR' --root '$TROOT' autostart --boot >/dev/null 2>&1; echo \$?"

# --- shutdown: reverse order, the ones outside the plan first ---------------
check "start the one without autostart" sysctr start "$off"
out=$(sysctr autostart --shutdown 2>&1)
rc=$?
check_eq "--shutdown succeeds" 0 "$rc"
printf '%s\n' "$out" | sed 's/^/# /'
for n in "$a" "$b" "$c" "$d" "$off"; do
	check_out "$n is stopped" STOPPED state "$n"
done
po=$(pos "$out" "$off") pa=$(pos "$out" "$a") pb=$(pos "$out" "$b") pd=$(pos "$out" "$d")
if [ -n "$po" ] && [ -n "$pa" ] && [ -n "$pb" ] && [ -n "$pd" ] &&
	[ "$po" -lt "$pd" ] && [ "$pd" -lt "$pb" ] && [ "$pb" -lt "$pa" ]; then
	ok "stopped outside-plan first, then d, b, a"
else
	not_ok "order of the shutdown: off=$po d=$pd b=$pb a=$pa"
fi
check_has "cleanly" "stopped cleanly" printf '%s' "$out"
check_has "history keeps it" "autostart shutdown" sysctr history "$a"

# --- --group ---------------------------------------------------------------------
check_out "--boot --group side starts only c" "$c" sh -c "'$SYSCTR' --root '$TROOT' autostart --boot --group side --format json | python3 -c \"import json,sys; print(' '.join(o['name'] for o in json.load(sys.stdin)))\""
check_out "a stays stopped" STOPPED state "$a"
check "--shutdown --group side" sysctr autostart --shutdown --group side
check_out "c is stopped" STOPPED state "$c"

# --- a failure blocks only what starts after it ------------------------------
check "create x and y" sh -c "'$SYSCTR' --root '$TROOT' create busybox '$x' >/dev/null && '$SYSCTR' --root '$TROOT' create busybox '$y' >/dev/null"
check "x never gets ready" sysctr config set "$x" autostart.enabled=true autostart.ready=exec:false autostart.timeout=2
check "y starts after x" sysctr config set "$y" autostart.enabled=true "autostart.after=$x" autostart.ready=started
check_exit "--boot fails (1)" 1 sysctr autostart --boot
out=$(sysctr autostart --shutdown 2>&1; sysctr autostart --boot 2>&1)
check_has "naming x" "$x (not ready after 2 s (exec:false))" printf '%s' "$out"
check_has "and y, blocked by it" "$y (not started: $x, which it starts after, failed)" printf '%s' "$out"
check_out "y was not started" STOPPED state "$y"
for n in "$a" "$b" "$c" "$d"; do
	check_out "unrelated $n runs" RUNNING state "$n"
done
check_has "history has x's failure" "not ready after 2 s" sysctr history "$x"
check_out "info shows x's last boot failed" failed json_of "d['last_boot']['result']" sysctr info "$x" --format json

# --- one that ignores its halt signal is killed after its own timeout -------
# (autostart.timeout is its stop timeout at shutdown; timeouts.stop stays 30)
check "clean up the failing pair" sh -c "'$SYSCTR' --root '$TROOT' autostart --shutdown >/dev/null 2>&1; '$SYSCTR' --root '$TROOT' destroy '$x' >/dev/null && '$SYSCTR' --root '$TROOT' destroy '$y' >/dev/null"
ig="${PFX}-ig"
check "a container whose init ignores the halt signal" sh -c "'$SYSCTR' --root '$TROOT' create busybox '$ig' >/dev/null && '$SYSCTR' --root '$TROOT' config set '$ig' autostart.enabled=true autostart.ready=started autostart.timeout=4 raw.lxc.signal.halt=SIGCONT 2>/dev/null"
check "boot" sysctr autostart --boot
t0=$(date +%s)
out=$(sysctr autostart --shutdown 2>&1)
took=$(($(date +%s) - t0))
printf '%s\n' "$out" | sed 's/^/# /'
check_has "it is killed after its autostart.timeout" "$ig: shutdown: killed after 4" printf '%s' "$out"
check_has "while the others stop cleanly" "$a: shutdown: stopped cleanly" printf '%s' "$out"
for n in "$a" "$b" "$c" "$d" "$ig"; do
	check_out "$n is stopped" STOPPED state "$n"
done
# a level is halted together: one timeout, not one per container
if [ "$took" -lt 12 ]; then ok "the shutdown took $took s"; else not_ok "the shutdown took $took s"; fi
check "destroy it" sysctr destroy "$ig"

# --- a level boots in parallel: two slow ones take the time of one -----------------
s1="${PFX}-s1" s2="${PFX}-s2"
for n in "$s1" "$s2"; do
	check "$n: ready 3 s after its init starts" sh -c "'$SYSCTR' --root '$TROOT' create busybox '$n' >/dev/null && '$SYSCTR' --root '$TROOT' start '$n' >/dev/null && '$SYSCTR' --root '$TROOT' exec '$n' -- sh -c 'echo \"::once:/bin/sh -c \\\"sleep 3; touch /run/up\\\"\" >> /etc/inittab' && '$SYSCTR' --root '$TROOT' stop -k '$n' >/dev/null"
	check "$n: autostart" sysctr config set "$n" autostart.enabled=true "autostart.ready=exec:test -e /run/up" autostart.timeout=20
done
# (the ones others start after last: config set keeps the plan whole)
for n in "$d" "$c" "$b" "$a"; do
	check "$n out of this plan" sysctr config set "$n" autostart.enabled=false
done
t0=$(date +%s)
out=$(sysctr autostart --boot 2>&1)
took=$(($(date +%s) - t0))
printf '%s\n' "$out" | sed 's/^/# /'
check_has "both got ready" "$s2: autostart: ready" printf '%s' "$out"
if [ "$took" -ge 3 ] && [ "$took" -lt 6 ]; then ok "two 3 s boots took $took s together"; else not_ok "two 3 s boots took $took s"; fi
check "shut them down" sysctr autostart --shutdown

# --- a shutdown longer than the unit allows is announced ----------------------------
check "s1 may take 1000 s to stop" sysctr config set "$s1" autostart.timeout=1000
check_has "--shutdown warns when its worst case passes TimeoutStopSec" "more than the 900 s sysctr.service allows" sysctr autostart --shutdown
check_has "--plan counts it" "shutdown 1005 s" sysctr autostart --plan
check "back to 20 s" sysctr config set "$s1" autostart.timeout=20

# --- the unit ---------------------------------------------------------------------
units="$TROOT/units"
mkdir -p "$units"
sed "s|^\(Exec[A-Za-z]*\)=[^ ]*|\1=$SYSCTR|" "$SYSCTR_BUILDDIR/config/sysctr.service" >"$units/sysctr.service"
check_has "the unit starts by the plan" "ExecStart=$SYSCTR autostart --boot" cat "$units/sysctr.service"
check_has "and stops by it" "ExecStop=$SYSCTR autostart --shutdown" cat "$units/sysctr.service"
check_has "it stays active between them" "RemainAfterExit=yes" cat "$units/sysctr.service"
check_has "after the network" "After=network-online.target" cat "$units/sysctr.service"
check_has "and the state's filesystems" "RequiresMountsFor=" cat "$units/sysctr.service"
sed "s|^\(Exec[A-Za-z]*\)=[^ ]*|\1=$SYSCTR|" "$SYSCTR_BUILDDIR/config/sysctr-net.service" >"$units/sysctr-net.service"
check_has "after the managed bridge" "After=network-online.target sysctr-net.service" cat "$units/sysctr.service"
check_has "which comes up first, when a container wants it" "ExecStart=$SYSCTR network up --if-wanted" cat "$units/sysctr-net.service"
check_has "before the containers" "Before=sysctr.service" cat "$units/sysctr-net.service"
check "systemd-analyze verify passes on both" systemd-analyze verify --man=no "$units/sysctr.service" "$units/sysctr-net.service"

done_testing
