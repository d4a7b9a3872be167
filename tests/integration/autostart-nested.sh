#!/bin/sh
# The autostart unit in a real boot: a Debian system container with
# nesting runs sysctr with sysctr.service enabled. Containers marked for
# autostart inside it come up in plan order when it boots; when it shuts
# down they are stopped cleanly first, in reverse order; at its next boot
# they come back.
#
# Inside: liblxc and busybox-static from Debian's mirror (apt-get download
# on the host, dpkg -i inside), the sysctr binary under test, its
# templates and its unit. sysctr's state inside is bind-mounted from the
# host: overlayfs cannot take an upper directory on the container's own
# overlay rootfs. The inner containers are privileged in sysctr's terms,
# which inside an unprivileged container still means its user namespace.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"
command -v apt-get >/dev/null || skip_all "no apt-get"

o="${PFX}-outer"
debs="$TROOT/debs"
state="$TROOT/ostate"
O() { "$SYSCTR" --root "$TROOT" exec "$o" -- "$@"; }

mkdir -p "$debs" "$state/lib" "$state/cache"
# the outer container's root owns its state (its mapped root by default)
chown 100000:100000 "$state/lib" "$state/cache"
check "liblxc and busybox-static from Debian's mirror" sh -c "cd '$debs' && apt-get download liblxc1 liblxc-common busybox-static >/dev/null 2>&1 && ls *.deb >/dev/null"

check "create a Debian container with nesting" sysctr create debian "$o" --set security.nesting=true
check "its sysctr state on the host's filesystem" sysctr config set "$o" \
	"mount.state.source=$state/lib" mount.state.path=/var/lib/sysctr \
	"mount.images.source=$state/cache" mount.images.path=/var/cache/sysctr
check_has "start it" "ready (systemd)" sysctr start "$o" --wait

# --- sysctr inside -------------------------------------------------------------
n=0
for f in "$debs"/*.deb; do
	n=$((n + 1))
	O sh -c "cat > /root/pkg$n.deb" <"$f" || not_ok "copy $f"
done
check "install liblxc and busybox-static inside" O sh -c 'dpkg -i /root/pkg*.deb'
check "install the sysctr under test" sh -c "'$SYSCTR' --root '$TROOT' exec '$o' -- sh -c 'cat > /usr/bin/sysctr && chmod 0755 /usr/bin/sysctr' <'$SYSCTR'"
check "and its templates" sh -c "tar -C '$SYSCTR_SRCDIR' -cf - templates | '$SYSCTR' --root '$TROOT' exec '$o' -- sh -c 'mkdir -p /usr/share/sysctr && tar -C /usr/share/sysctr -xf -'"
# ids inside the container's own range (it maps 65536)
check "its sysctr.conf" sh -c "printf 'idmap {\n  base = 10000\n  size = 50000\n}\nnetwork {\n  mode = \"none\"\n}\n' | '$SYSCTR' --root '$TROOT' exec '$o' -- sh -c 'mkdir -p /etc/sysctr && cat > /etc/sysctr/sysctr.conf'"
check "and its unit, as make install builds it" sh -c "'$SYSCTR' --root '$TROOT' exec '$o' -- sh -c 'cat > /etc/systemd/system/sysctr.service' <'$SYSCTR_BUILDDIR/config/sysctr.service'"
check_has "enabled" "multi-user.target.wants" O sh -c 'systemctl daemon-reload && systemctl enable sysctr.service 2>&1'

check "inner a: order 10" O sh -c 'sysctr create busybox a --set security.privileged=true && sysctr config set a autostart.enabled=true autostart.order=10 autostart.ready=started'
check "inner b: after a" O sh -c 'sysctr create busybox b --set security.privileged=true && sysctr config set b autostart.enabled=true autostart.after=a "autostart.ready=exec:test -d /proc/1"'
check "inner c: no autostart" O sysctr create busybox c --set security.privileged=true
check_has "the plan inside" "2 levels" O sysctr autostart --plan

# wait_unit: until sysctr.service inside is active (its boot run done)
wait_unit() {
	i=0
	while [ "$i" -lt 120 ]; do
		s=$(O systemctl is-active sysctr.service 2>/dev/null)
		case $s in active | failed) echo "$s"; return 0 ;; esac
		sleep 0.5
		i=$((i + 1))
	done
	echo "$s"
}
# hist_order NAME1 NAME2 ACTION: NAME1's ACTION row comes before NAME2's
# in the inner history (the newest of each)
hist_order() {
	O sysctr history --format json | python3 -c "
import json, sys
rows = json.load(sys.stdin)
def last(n):
    ids = [i for i, r in enumerate(rows) if r['name'] == n and r['action'] == sys.argv[3]]
    return ids[-1] if ids else -1
a, b = last(sys.argv[1]), last(sys.argv[2])
print('yes' if 0 <= a < b else 'no: %d %d' % (a, b))" "$1" "$2" "$3"
}

# --- a reboot of the container: they come up in plan order ------------------------
check "restart the container" sysctr restart "$o"
state_=$(wait_systemd "$o")
case $state_ in running | degraded) ok "it booted: $state_" ;; *) not_ok "its systemd: '$state_'" ;; esac
check_out "sysctr.service ran at boot" active wait_unit
check_out "a runs inside" RUNNING json_of "d['state']" O sysctr info a --format json
check_out "b runs inside" RUNNING json_of "d['state']" O sysctr info b --format json
check_out "c does not" STOPPED json_of "d['state']" O sysctr info c --format json
check_out "a was up before b started" yes hist_order a b autostart
check_has "b's readiness is in the history" "ready (exec:test -d /proc/1)" O sysctr history b

# --- its shutdown: they are stopped cleanly first, in reverse ---------------------
check_has "stop the container cleanly" "stopped cleanly" sysctr stop "$o"
check_has "start it again" "ready (systemd)" sysctr start "$o" --wait
check_out "sysctr.service ran again" active wait_unit
check_has "at the shutdown b was stopped cleanly" "stopped cleanly" O sh -c 'sysctr history b | grep "autostart shutdown"'
check_has "and a" "stopped cleanly" O sh -c 'sysctr history a | grep "autostart shutdown"'
check_out "b before a" yes hist_order b a "autostart shutdown"
check_out "and they came back" "RUNNING RUNNING" json_of "' '.join(c['state'] for c in d if c['name'] in ('a', 'b'))" O sysctr list --format json

check "stop it" sysctr stop -k "$o"
check "destroy it" sysctr destroy "$o"

done_testing
