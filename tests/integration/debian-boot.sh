#!/bin/sh
# A real Debian (debootstrap) container boots systemd, unprivileged, and
# stops cleanly. The image is cached across runs of this build tree.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

c="${PFX}-deb"
t0=$(date +%s)
check "create debian" sysctr create debian "$c"
echo "# create took $(($(date +%s) - t0)) s (debootstrap only when not cached)"
check_out "release defaults to bookworm" bookworm json_of "d['release']" sysctr info "$c" --format json

check "start" sysctr start "$c"
t0=$(date +%s)
state=$(wait_systemd "$c")
case $state in
running | degraded) ok "systemd is $state after $(($(date +%s) - t0)) s" ;;
*) not_ok "systemd is '$state' after 120 s"
   sysctr exec "$c" -- systemctl --failed --no-pager 2>&1 | sed 's/^/# /' ;;
esac

check_out "root inside" 0 sysctr exec "$c" -- id -u
pid=$(sysctr info "$c" --format json | json_get "d['pid']")
check_out "init is the mapped root on the host" 100000 proc_uid "$pid"
check_out "pid 1 inside is systemd" systemd sysctr exec "$c" -- cat /proc/1/comm
check_out "hostname" "$c" sysctr exec "$c" -- hostname
# setuid and file capabilities survive the id shift: ping opens a raw
# socket through its capability (to the container's own loopback only)
# hard links (perl) are shifted once, not once per name
check_out "a hard-linked file belongs to root inside" "0 2" sysctr exec "$c" -- stat -c '%u %h' /usr/bin/perl
mode=$(sysctr exec "$c" -- stat -c %a /usr/bin/passwd)
check_eq "setuid bit kept on passwd" 4755 "$mode"
check "ping (file capability) works inside, on its own loopback" sysctr exec "$c" -- su -s /bin/sh nobody -c "ping -c 1 -W 2 127.0.0.1"

out=$(sysctr stop "$c" --format json)
check_out "clean stop" stopped json_of "d['detail'].split()[0]" printf '%s' "$out"
echo "# $(printf '%s' "$out" | json_get "d['detail']")"

# start --wait: returns once systemd is up, so the next exec finds its bus
check_has "start --wait waits for systemd (autostart.ready's default)" "ready (systemd)" sysctr start "$c" --wait
check "systemd answers at once (running or degraded)" sh -c "case \$('$SYSCTR' --root '$TROOT' exec '$c' -- systemctl is-system-running) in running | degraded) exit 0 ;; *) exit 1 ;; esac"
check "write a file" sysctr exec "$c" -- sh -c 'echo exported > /root/mark'

# export, destroy, import, boot: content equal
check_has "export the running Debian container" "frozen for" sysctr export "$c" "$TROOT/deb-export.tar.zst"
check "stop" sysctr stop -k "$c"
check "destroy" sysctr destroy "$c"
check_has "import it" "image from this host's cache" sysctr import "$TROOT/deb-export.tar.zst"
check_has "it boots" "ready (systemd)" sysctr start "$c" --wait
check_out "with the file" exported sysctr exec "$c" -- cat /root/mark
check_out "and its hostname" "$c" sysctr exec "$c" -- hostname
check "stop" sysctr stop -k "$c"
check "destroy" sysctr destroy "$c"

# local: a rootfs tarball made from the Debian image, imported end to end
img=$(sysctr images list --format json | json_get "[i['path'] for i in d if i['template']=='debian'][0]")
tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$img/rootfs" -cf - . |
	zstd -q -o "$TROOT/deb.tar.zst"
l="${PFX}-loc"
t0=$(date +%s)
check "create local --from a .tar.zst" sysctr create local "$l" --from "$TROOT/deb.tar.zst"
echo "# import took $(($(date +%s) - t0)) s"
check_out "its release is the tarball's content id" sha256- json_of "d['release'][:7]" sysctr info "$l" --format json
check "start it" sysctr start "$l"
state=$(wait_systemd "$l")
case $state in running | degraded) ok "the imported system boots: $state" ;; *) not_ok "imported: '$state'" ;; esac
check_out "setuid survived the import and the shift" 4755 sysctr exec "$l" -- stat -c %a /usr/bin/passwd
check_out "the same tarball is imported once" 1 json_of "len([i for i in d if i['template']=='local'])" sysctr images list --format json
limg=$(sysctr images list --format json | json_get "[i['name'] for i in d if i['template']=='local'][0]")
check "stop" sysctr stop "$l"
check "destroy" sysctr destroy "$l"
check "remove the imported image" sysctr images rm "$limg"

done_testing
