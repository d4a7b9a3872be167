#!/bin/sh
# A real Debian container (systemd-networkd and resolved, as the template
# sets them up) on sysctr's managed bridge: it takes its lease by DHCP,
# reaches the host and a busybox neighbour, and resolves the neighbour by
# name through the bridge's DNS. The bridge and subnet are this test's
# own and isolated (nat = false): traffic stays on this machine.
# shellcheck disable=SC2016 # the $ in the commands run inside the container is theirs
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

br="stdn$$"
gw="10.216.$(($$ % 250)).1"
listener=
# shellcheck disable=SC2034 # read by managed_bridge_gone()
TEST_CLEANUP_MORE='[ -n "$listener" ] && signal_pid TERM "$listener" http.server >/dev/null 2>&1'
managed_bridge "$br" "$gw"

d="${PFX}-dn"
b="${PFX}-bn"
check "create debian" sysctr create debian "$d"
check "create a busybox neighbour" sysctr create busybox "$b"
check "start it" sysctr start "$b"
check "its web server" sysctr exec "$b" -- sh -c 'mkdir -p /tmp/www && echo hello-from-busybox > /tmp/www/index.html && httpd -p 8080 -h /tmp/www'
lb=$(json_of "[l['ipv4'] for l in d['leases'] if l['name'] == '$b'][0]" sysctr network show --format json)

check_has "start debian --wait" "ready (systemd)" sysctr start "$d" --wait
ld=$(json_of "[l['ipv4'] for l in d['leases'] if l['name'] == '$d'][0]" sysctr network show --format json)
# networkd takes the lease within seconds of boot
i=0
got=
while [ $i -lt 30 ]; do
	got=$(sysctr exec "$d" -- ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}')
	[ -n "$got" ] && break
	sleep 1
	i=$((i + 1))
done
check_eq "systemd-networkd took the lease by DHCP" "$ld/24" "$got"
check_has "networkd says the link is configured" "routable" sysctr exec "$d" -- networkctl --no-pager status eth0

python3 -m http.server --bind "$gw" 18$(($$ % 900 + 100)) --directory "$SYSCTR_SRCDIR/config" >/dev/null 2>&1 &
# shellcheck disable=SC2034 # read by $TEST_CLEANUP_MORE
listener=$!
# until it listens (python starts slowly on a busy machine)
i=0
while [ $i -lt 50 ] && ! ss -ltnH "sport = :18$(($$ % 900 + 100))" | grep -q .; do
	sleep 0.2
	i=$((i + 1))
done
check "it reaches the host (a listener on the bridge's address)" sysctr exec "$d" -- bash -c "exec 3<>/dev/tcp/$gw/18$(($$ % 900 + 100))"
check_has "it reaches its neighbour" hello-from-busybox sysctr exec "$d" -- bash -c "exec 3<>/dev/tcp/$lb/8080 && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && cat <&3"
check_out "it resolves the neighbour by name (the lease's domain searched)" "$lb" sh -c "'$SYSCTR' --root '$TROOT' exec '$d' -- getent hosts '$b' | awk '{print \$1}'"
check_out "and by NAME.DOMAIN" "$lb" sh -c "'$SYSCTR' --root '$TROOT' exec '$d' -- getent hosts '$b.t$$' | awk '{print \$1}'"
check_out "list shows its address" "$ld" json_of "[x['ipv4'] for x in d if x['name'] == '$d'][0]" sysctr list --format json
check_out "info shows it from inside" "$ld" json_of "d['ipv4']" sysctr info "$d" --format json

check "stop debian" sysctr stop "$d"
check "stop the neighbour" sysctr stop -k "$b"
check "network down" sysctr network down
check_exit "nothing left on the host" 1 test -e "/sys/class/net/$br"

done_testing
