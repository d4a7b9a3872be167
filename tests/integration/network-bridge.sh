#!/bin/sh
# Network modes of this issue: none, and bridge to a bridge that exists.
# Traffic goes only between this machine and a container on a bridge this
# test made; nothing leaves the machine.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

br="stbr$$"
br2="stbr$$x"
# a /24 of its own per run, on the test's own bridge only
net="10.213.$(($$ % 250)).0"
pfx=${net%.0}
# shellcheck disable=SC2034 # read by cleanup() in lib.sh
TEST_CLEANUP_EXTRA="ip link del $br 2>/dev/null; ip link del $br2 2>/dev/null"

c="${PFX}-net"
check "create with network none (the default)" sysctr create busybox "$c"
check "start" sysctr start "$c"
ifs=$(sysctr exec "$c" -- ls /sys/class/net | tr '\n' ' ')
check_eq "mode none: only loopback" "lo " "$ifs"
check "stop" sysctr stop -k "$c"

conf="$TROOT/var/lib/sysctr/containers/$c/container.conf"
cp "$conf" "$TROOT/before"
err=$(sysctr config set "$c" network.mode=bridge network.bridge="$br" network.ipv4="$pfx.2/24" 2>&1)
check_eq "config set of a bridge that does not exist is refused (2)" 2 "$?"
check_eq "saying which bridge" "sysctr: $c: network.bridge: bridge $br does not exist on this host" "$err"
if cmp -s "$conf" "$TROOT/before"; then ok "file unchanged"; else not_ok "file unchanged"; fi

ip link add "$br" type bridge
ip addr add "$pfx.1/24" dev "$br"
ip link set "$br" up
check "bridge mode with a static address" sysctr config set "$c" network.mode=bridge network.bridge="$br" network.ipv4="$pfx.2/24"
check "start on the bridge" sysctr start "$c"
addr=$(sysctr exec "$c" -- ip -4 -o addr show eth0 | awk '{print $4}')
check_eq "eth0 has its address" "$pfx.2/24" "$addr"
check_out "list shows the address" "$pfx.2/24" json_of "[x['ipv4'] for x in d if x['name']=='$c'][0]" sysctr list --format json
check "the host reaches the container over the bridge" busybox ping -c 1 -W 3 "$pfx.2"
check "the container reaches the host's bridge address" sysctr exec "$c" -- ping -c 1 -W 3 "$pfx.1"

# restart checks the config before it stops: a bridge gone since the set
# leaves the container running
ip link add "$br2" type bridge
check "set another bridge while running" sysctr config set "$c" network.bridge="$br2"
ip link del "$br2"
pid=$(sysctr info "$c" --format json | json_get "d['pid']")
err=$(sysctr restart "$c" 2>&1)
check_eq "restart with a missing bridge is usage (2)" 2 "$?"
check_eq "in one line naming the bridge" "sysctr: $c: network.bridge: bridge $br2 does not exist on this host" "$err"
check_out "the container still runs" RUNNING json_of "d['state']" sysctr info "$c" --format json
check_out "the same init" "$pid" json_of "d['pid']" sysctr info "$c" --format json
check "stop" sysctr stop -k "$c"
err=$(sysctr start "$c" 2>&1)
check_eq "start with a missing bridge is usage (2) too" 2 "$?"
case $err in *"bridge $br2 does not exist"*) ok "and says which bridge" ;; *) not_ok "error: $err" ;; esac
check "back to the bridge that exists" sysctr config set "$c" network.bridge="$br"
check "destroy -f" sysctr destroy -f "$c"
check_out "its veth went with it" 0 count_lines ip -o link show master "$br"

done_testing
