#!/bin/sh
# Bad things happen: a template fails halfway, sysctr is killed mid-create,
# a container dies, container.conf is hostile, two commands race. Each
# gives a clear error and loses nothing.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

tpl="$TROOT/tpl"
mkdir -p "$tpl"
cat > "$tpl/broken" <<'TPL'
#!/bin/sh
set -eu
[ "${1:-}" = --describe ] && { echo "description=fails halfway"; echo "default_release=one"; exit 0; }
while [ $# -gt 0 ]; do case $1 in --rootfs) rootfs=$2; shift 2 ;; *) shift ;; esac; done
echo "@step 1/2 unpacking"
mkdir -p "$rootfs/etc" "$rootfs/proc"
echo half > "$rootfs/etc/half"
mount -t tmpfs none "$rootfs/proc"
echo "@step 2/2 configuring"
echo "broken: step two failed" >&2
exit 1
TPL
cat > "$tpl/slow" <<TPL
#!/bin/sh
set -eu
[ "\${1:-}" = --describe ] && { echo "description=slow"; echo "default_release=one"; exit 0; }
while [ \$# -gt 0 ]; do case \$1 in --rootfs) rootfs=\$2; shift 2 ;; *) shift ;; esac; done
if [ -e "$TROOT/slow-ran" ]; then echo "slow: second run fails" >&2; exit 1; fi
touch "$TROOT/slow-ran"
mkdir -p "\$rootfs/proc"
mount -t tmpfs none "\$rootfs/proc"
touch "$TROOT/slow-mounted"
sleep 20
TPL
cat > "$tpl/stuck" <<TPL
#!/bin/sh
set -eu
[ "\${1:-}" = --describe ] && { echo "description=stuck"; echo "default_release=one"; exit 0; }
while [ \$# -gt 0 ]; do case \$1 in --rootfs) rootfs=\$2; shift 2 ;; *) shift ;; esac; done
mkdir -p "\$rootfs/proc"
mount -t tmpfs none "\$rootfs/proc"
touch "$TROOT/stuck-mounted"
sleep 30
TPL
chmod +x "$tpl/broken" "$tpl/slow" "$tpl/stuck"
cp "$SYSCTR_SRCDIR/templates/busybox" "$tpl/busybox"
alt="$TROOT/etc/sysctr/alt.conf"
cat > "$alt" <<CONF
paths {
  templates = "$tpl"
  images = "$TROOT/images-alt"
}
timeouts { lock = 2 }
CONF
alt_sysctr() { "$SYSCTR" --root "$TROOT" --config "$alt" "$@"; }

builds() { count_lines find "$TROOT/images-alt" -mindepth 1 -maxdepth 1 -name '.build-*'; }

# --- a template that fails halfway
err=$(alt_sysctr create broken "${PFX}-br" 2>&1)
rc=$?
err=$(no_progress "$err")
check_eq "failing template exits 1" 1 "$rc"
case $err in
"sysctr: ${PFX}-br: template broken: broken: step two failed (log: "*")") ok "one line naming the template's reason and log" ;;
*) not_ok "error line: $err" ;;
esac
check_out "no row" 0 json_of 'len(d)' alt_sysctr list --format json
check_out "no container directory" 0 count_lines find "$TROOT/var/lib/sysctr/containers" -mindepth 1 -maxdepth 1
check_out "no half-built image" 0 builds
check_out "no mount left" 0 mounts_below

# --- sysctr killed in the middle of a template run
# exec: $! must be sysctr itself, not a subshell around it
(exec "$SYSCTR" --root "$TROOT" --config "$alt" create slow "${PFX}-sl" >/dev/null 2>&1) &
spid=$!
i=0
while [ ! -e "$TROOT/slow-mounted" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
signal_pid KILL "$spid" "create slow"
wait "$spid" 2>/dev/null
sleep 0.5
check_out "killed create left no row" 0 json_of 'len(d)' alt_sysctr list --format json
check_exit "the name's lock died with it: the next create is not busy" 1 alt_sysctr create slow "${PFX}-sl"
check_out "the next build cleared the leftover build" 0 builds
check_out "and its mount" 0 mounts_below

# --- sysctr told to stop (Ctrl-C, SIGTERM) in the middle of a template
(exec "$SYSCTR" --root "$TROOT" --config "$alt" create stuck "${PFX}-st" >/dev/null 2>"$TROOT/stuck.err") &
spid=$!
i=0
while [ ! -e "$TROOT/stuck-mounted" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
signal_pid TERM "$spid" "create stuck"
wait "$spid"
rc=$?
check_eq "an interrupted create fails (1)" 1 "$rc"
case $(cat "$TROOT/stuck.err") in *interrupted*) ok "and says it was interrupted" ;; *) not_ok "interrupt error: $(cat "$TROOT/stuck.err")" ;; esac
check_out "it cleaned its build" 0 builds
check_out "and its mount" 0 mounts_below
check_out "and left no row" 0 json_of 'len(d)' alt_sysctr list --format json

# --- a container that dies
c="${PFX}-die"
check "create" sysctr create busybox "$c"
check "start" sysctr start "$c"
pid=$(sysctr info "$c" --format json | json_get "d['pid']")
signal_pid KILL "$pid" init
i=0
while [ "$(sysctr info "$c" --format json | json_get "d['state']")" != STOPPED ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
check_out "a dead container shows STOPPED" STOPPED json_of "d['state']" sysctr info "$c" --format json
check "and starts again" sysctr start "$c"
check "stop" sysctr stop -k "$c"

# exec while the container is killed: a command that could not start says
# the container stopped (4), one killed with it keeps its status (128+9)
# and says why; never liblxc's bare failure, and never a silent exit
# (liblxc 5.0's attach ends its caller with exit 1 when the container's
# cgroup goes under it: sysctr attaches from a helper process).
execs=$TROOT/execs.txt
: >"$execs"
for _ in 1 2 3; do
	"$SYSCTR" --root "$TROOT" start "$c" >/dev/null 2>&1
	sleep 0.3
	(sleep 0.2; "$SYSCTR" --root "$TROOT" stop -k "$c" >/dev/null 2>&1) &
	killer=$!
	# until a few execs after the stop is done
	after=0
	while [ "$after" -lt 5 ]; do
		kill -0 "$killer" 2>/dev/null || after=$((after + 1))
		err=$("$SYSCTR" --root "$TROOT" exec "$c" -- true 2>&1 >/dev/null)
		echo "$?|$err" >>"$execs"
	done
	wait "$killer"
done
check_out "some execs met the container stopped" 1 sh -c "grep -c '^4|' '$execs' | awk '{print (\$1 > 0)}'"
check_out "none says only that liblxc failed" 0 sh -c "grep -c 'liblxc failed' '$execs'; true"
check_out "every exit 4 says the container is not running or stopped" 0 sh -c "grep '^4|' '$execs' | grep -vc -e 'not running' -e 'stopped while true was being started'; true"
check_out "every failure says why (no silent exit)" 0 sh -c "grep -v '^0|' '$execs' | grep -c '|\$'; true"
check_out "a command killed with the container says so" 0 sh -c "grep '^137|' '$execs' | grep -vc 'stopped while true ran (it was killed with it)'; true"

# --- hostile container.conf
conf="$TROOT/var/lib/sysctr/containers/$c/container.conf"
cp "$conf" "$TROOT/conf.orig"
for bad in 'include("/etc/shadow")' 'resources { memory = "1Q" }' 'raw { lxc.rootfs.path = "dir:/" }' \
	'template = "busybox"
network { mode = "bridge"
' "$(head -c 2000 /dev/urandom | tr -d '\000')"; do
	printf '%s\n' "$bad" > "$conf"
	err=$(sysctr start "$c" 2>&1)
	rc=$?
	check_eq "hostile config refused with usage (2)" 2 "$rc"
	check_eq "in one line" 1 "$(err_lines "$err")"
	case $err in *"container.conf"*) ok "the error names the file" ;; *) not_ok "error: $err" ;; esac
done
check "list still works with a broken config" sysctr list
check_out "and the container did not start" STOPPED json_of "d['state']" sysctr info "$c" --format json
cp "$TROOT/conf.orig" "$conf"

# --- two commands racing on one container
sysctr start "$c" >/dev/null 2>&1 &
p1=$!
sysctr start "$c" >/dev/null 2>&1 &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
# the loser finds it running (4), or gave up waiting for the lock (5)
if { [ $r1 -eq 0 ] && [ $r2 -ge 4 ]; } || { [ $r1 -ge 4 ] && [ $r2 -eq 0 ]; }; then
	ok "racing starts: one starts it, the other finds it running"
else
	not_ok "racing starts: exit $r1 and $r2"
fi
check_out "running once" RUNNING json_of "d['state']" sysctr info "$c" --format json
check "destroy -f" sysctr destroy -f "$c"

# --- another process keeps the registry write-locked
c="${PFX}-db"
check "create" sysctr create busybox "$c"
db="$TROOT/var/lib/sysctr/sysctr.db"
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(40)' "$db" "$TROOT/db-held" &
dbholder=$!
i=0
while [ ! -e "$TROOT/db-held" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s)
err=$(sysctr destroy "$c" 2>&1)
rc=$?
t1=$(date +%s)
check_eq "a write-locked registry is busy (5)" 5 "$rc"
check_eq "saying so in one line" "sysctr: $c: registry $db is busy: another process holds it (waited 10 s)" "$err"
if [ $((t1 - t0)) -ge 9 ] && [ $((t1 - t0)) -le 20 ]; then ok "after waiting ($((t1 - t0)) s)"; else not_ok "gave up after $((t1 - t0)) s"; fi
signal_pid TERM "$dbholder" "BEGIN IMMEDIATE"
wait "$dbholder" 2>/dev/null
check_out "the container is still there" 1 json_of "len([x for x in d if x['name']=='$c'])" sysctr list --format json
check "and goes once the registry is free" sysctr destroy "$c"

done_testing
