#!/bin/sh
# sysctr's managed bridge on busybox containers: made on the first start
# that needs it (bridge, dnsmasq, nftables table), a lease per container
# from the registry (stable across restarts, distinct when started in
# parallel, freed by destroy), taken by DHCP; DNS by name; host to
# container, container to container, a forward from the host; network
# show; network down refuses while a container uses it, then leaves
# nothing. The bridge and subnet are this test's own and isolated (nat =
# false): traffic stays on this machine.
# shellcheck disable=SC2016 # the $ in the commands run inside the container is theirs
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

br="stmb$$"
gw="10.215.$(($$ % 250)).1"
pfx=${gw%.1}
table="sysctr_$br"
managed_bridge "$br" "$gw"

a="${PFX}-na"
b="${PFX}-nb"
# dhcp NAME: the address the container's own DHCP client (the busybox
# template's rcS runs udhcpc at boot) put on eth0, within 15 s; fails
# showing what dnsmasq said
dhcp() {
	_i=0
	while [ $_i -lt 30 ]; do
		_da=$(sysctr exec "$1" -- ip -4 -o addr show eth0 2>/dev/null | awk '$3 == "inet" {print $4}')
		if [ -n "$_da" ]; then
			echo "$_da"
			return 0
		fi
		sleep 0.5
		_i=$((_i + 1))
	done
	tail -n 12 "$TROOT/var/log/sysctr/dnsmasq-$br.log" >&2
	return 1
}
# what dnsmasq said, for a failure's diagnosis
dnsmasq_log() { tail -n 15 "$TROOT/var/log/sysctr/dnsmasq-$br.log" 2>/dev/null | sed 's/^/# /'; }
lease_of() { json_of "[l['ipv4'] for l in d['leases'] if l['name'] == '$1'][0]" sysctr network show --format json; }

check "create $a" sysctr create busybox "$a"
check "create $b" sysctr create busybox "$b"
check_out "network show before: down" False json_of "d['up']" sysctr network show --format json
check_out "no lease yet" 0 json_of "len(d['leases'])" sysctr network show --format json

# two starts at once: two addresses
sysctr start "$a" >/dev/null 2>&1 &
p1=$!
sysctr start "$b" >/dev/null 2>&1 &
p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
check_eq "two starts in parallel" "0 0" "$r1 $r2"
check_out "the bridge is up" True json_of "d['up']" sysctr network show --format json
check_out "with its address" "$gw/24" sh -c "ip -4 -o addr show $br | awk '{print \$4}'"
check_out "dnsmasq runs" True json_of "d['dnsmasq_pid'] is not None" sysctr network show --format json
check_has "sysctr's table is in nftables" "table ip $table" nft list table ip "$table"
la=$(lease_of "$a")
lb=$(lease_of "$b")
case $la-$lb in
"$pfx".*-"$pfx".*) if [ "$la" != "$lb" ] && [ "$la" != "$gw" ] && [ "$lb" != "$gw" ]; then ok "two distinct leases ($la, $lb)"; else not_ok "leases $la and $lb"; fi ;;
*) not_ok "leases '$la' and '$lb' are not in $pfx.0/24" ;;
esac

check_out "$a took its lease by DHCP at boot" "$la/24" dhcp "$a"
check_out "$b too" "$lb/24" dhcp "$b"
check_out "list shows the lease" "$la" json_of "[x['ipv4'] for x in d if x['name'] == '$a'][0]" sysctr list --format json
check "the host reaches $a" busybox ping -c 1 -W 3 "$la"
check "$a reaches the host" sysctr exec "$a" -- ping -c 1 -W 3 "$gw"
check "$a reaches $b" sysctr exec "$a" -- ping -c 1 -W 3 "$lb"
check_has "$a resolves $b by name through the bridge's DNS" "$lb" sysctr exec "$a" -- nslookup "$b" "$gw"
check_has "and by NAME.DOMAIN" "$lb" sysctr exec "$a" -- nslookup "$b.t$$" "$gw"

# a forward from the host to a web server in $b
check "a web server in $b" sysctr exec "$b" -- sh -c 'mkdir -p /tmp/www && echo hello-from-b > /tmp/www/index.html && httpd -p 8080 -h /tmp/www'
hp=$((20000 + $$ % 20000))
check "forward $hp:8080/tcp (live, no restart)" sysctr config set "$b" "network.forward=$hp:8080/tcp"
check_out "shown by network show" "$hp:8080:$lb" json_of "'%d:%d:%s' % (d['forwards'][0]['host_port'], d['forwards'][0]['port'], d['forwards'][0]['ipv4'])" sysctr network show --format json
check_out "the host reaches it through the bridge's address" hello-from-b python3 -c "import urllib.request; print(urllib.request.urlopen('http://$gw:$hp/', timeout=5).read().decode().strip())"
check "the forward removed" sysctr config set "$b" "network.forward="
check_exit "is gone from nftables" 1 sh -c "nft list table ip $table | grep -q 'dport $hp'"
# the forwards come from the registry's summary of each container.conf
# while the file is unchanged: a hand edit is seen at the next look
check_out "network show, with the summary kept" 0 json_of "len(d['forwards'])" sysctr network show --format json
conf_b="$TROOT/var/lib/sysctr/containers/$b/container.conf"
check "a forward added to $b's container.conf by hand" sh -c "printf 'network {\n  forward = {\"$hp:8080/tcp\"}\n}\n' >>'$conf_b'"
check_out "network show sees it" "$hp:8080" json_of "'%d:%d' % (d['forwards'][0]['host_port'], d['forwards'][0]['port'])" sysctr network show --format json
check "and removed by hand" sh -c "head -n -3 '$conf_b' >'$conf_b.new' && mv '$conf_b.new' '$conf_b'"
check_out "network show sees that too" 0 json_of "len(d['forwards'])" sysctr network show --format json

# stable across a restart
check "stop $a" sysctr stop -k "$a"
check "start $a" sysctr start "$a"
check_out "the same lease after a restart" "$la/24" dhcp "$a"

# network down refuses while in use, then removes everything
check_exit "network down while containers use it: state (4)" 4 sysctr network down
check_out "the bridge is still there" True json_of "d['up']" sysctr network show --format json
check "stop $a" sysctr stop -k "$a"
check "stop $b" sysctr stop -k "$b"
check "network down" sysctr network down
check_out "no bridge" False json_of "d['up']" sysctr network show --format json
check_exit "no nftables table" 1 nft list table ip "$table"
check_out "no dnsmasq" None json_of "d['dnsmasq_pid']" sysctr network show --format json
check_out "the leases stay in the registry" 2 json_of "len(d['leases'])" sysctr network show --format json
check "a start brings it back" sysctr start "$a"
got=$(dhcp "$a")
check_eq "with the same lease" "$la/24" "$got"
[ "$got" = "$la/24" ] || dnsmasq_log
check "stop $a" sysctr stop -k "$a"

# destroy frees the address
check "destroy $a" sysctr destroy "$a"
check_out "its lease is gone" 1 json_of "len(d['leases'])" sysctr network show --format json
check "network down" sysctr network down
check_exit "nothing of it left on the host" 1 test -e "/sys/class/net/$br"
check "up --if-wanted: $b is on it by sysctr.conf's default" sysctr network up --if-wanted
check "so the bridge is back" test -e "/sys/class/net/$br"
check "network down" sysctr network down
check "containers off it by default" sed -i 's/mode = "bridge"/mode = "none"/' "$TROOT/etc/sysctr/sysctr.conf"
check "up --if-wanted does nothing then" sysctr network up --if-wanted
check_exit "no bridge made" 1 test -e "/sys/class/net/$br"

# a subnet the host already routes is refused before anything is made
dum="std$$"
TEST_CLEANUP_MORE="ip link del $dum 2>/dev/null"
check "a host route inside the subnet ($pfx.200/30 on $dum)" sh -c "ip link add $dum type bridge && ip addr add $pfx.201/30 dev $dum && ip link set $dum up"
check "containers on the bridge again" sed -i 's/mode = "none"/mode = "bridge"/' "$TROOT/etc/sysctr/sysctr.conf"
err=$(sysctr network up 2>&1)
check_eq "network up is refused (1)" 1 "$?"
case $err in
*"overlaps the host's route $pfx.200/30 on $dum"*) ok "the error names the route and its interface" ;;
*) not_ok "error: $err" ;;
esac
check_eq "in one line" 1 "$(err_lines "$err")"
check_exit "no bridge made" 1 test -e "/sys/class/net/$br"
check "the route gone" ip link del "$dum"
check "network up" sysctr network up
check "network down" sysctr network down

done_testing
