#!/bin/sh
# Network modes of this issue: none, and bridge to a bridge that exists.
# Traffic goes only between this machine and a container on a bridge this
# test made; nothing leaves the machine.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

br="stbr$$"
# a /24 of its own per run, on the test's own bridge only
net="10.213.$(($$ % 250)).0"
pfx=${net%.0}
TEST_CLEANUP_EXTRA="ip link del $br 2>/dev/null"

c="${PFX}-net"
check "create with network none (the default)" sysctr create busybox "$c"
check "start" sysctr start "$c"
ifs=$(sysctr exec "$c" -- ls /sys/class/net | tr '\n' ' ')
check_eq "mode none: only loopback" "lo " "$ifs"
check "stop" sysctr stop -k "$c"

check "bridge mode with a static address" sysctr config set "$c" network.mode=bridge network.bridge="$br" network.ipv4="$pfx.2/24"
err=$(sysctr start "$c" 2>&1)
rc=$?
check_eq "a missing bridge is a failure (1)" 1 "$rc"
case $err in *"bridge $br does not exist"*) ok "and says which bridge" ;; *) not_ok "error: $err" ;; esac

ip link add "$br" type bridge
ip addr add "$pfx.1/24" dev "$br"
ip link set "$br" up
check "start on the bridge" sysctr start "$c"
addr=$(sysctr exec "$c" -- ip -4 -o addr show eth0 | awk '{print $4}')
check_eq "eth0 has its address" "$pfx.2/24" "$addr"
check_eq "list shows the address" "$pfx.2/24" "$(sysctr list --format json | json_get "[x['ipv4'] for x in d if x['name']=='$c'][0]")"
check "the host reaches the container over the bridge" busybox ping -c 1 -W 3 "$pfx.2"
check "the container reaches the host's bridge address" sysctr exec "$c" -- ping -c 1 -W 3 "$pfx.1"
check "destroy -f" sysctr destroy -f "$c"
veths=$(ip -o link show master "$br" 2>/dev/null | wc -l)
check_eq "its veth went with it" 0 "$veths"

done_testing
