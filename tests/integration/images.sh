#!/bin/sh
# The image store: copy-on-write containers over shared images, --copy,
# --refresh, images list/rm, and what destroy leaves of an image.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

# This test removes images: it keeps its own images directory.
sed -i "s|images = .*|images = \"$TROOT/images\"|" "$TROOT/etc/sysctr/sysctr.conf"

a="${PFX}-a"
b="${PFX}-b"
cp_="${PFX}-cp"
c="${PFX}-new"

check "create a" sysctr create busybox "$a"
check "create b from the cached image" sysctr create busybox "$b"
check_out "one image for both" 1 json_of 'len(d)' sysctr images list --format json
check_out "the image knows its containers" "$a,$b" json_of "','.join(d[0]['containers'])" sysctr images list --format json
hash=$(sysctr images list --format json | json_get "d[0]['hash']")
if [ ${#hash} -eq 64 ]; then ok "the image has a sha256 content hash"; else not_ok "hash: $hash"; fi

own=$(du -s --block-size=1K "$TROOT/var/lib/sysctr/containers/$a" | awk '{print $1}')
if [ "$own" -lt 200 ]; then ok "a container is a thin layer over its image (${own} KiB)"; else not_ok "container takes ${own} KiB"; fi
if [ -d "$TROOT/var/lib/sysctr/containers/$a/overlay/delta" ]; then ok "overlay layer"; else not_ok "overlay layer"; fi

out=$(script -qec "$SYSCTR --root $TROOT create busybox ${PFX}-tty --copy" /dev/null)
case $out in *"copy the image"*) ok "on a terminal, long steps show progress" ;; *) not_ok "no progress: $out" ;; esac
out=$(sysctr create busybox "${PFX}-notty" --copy 2>&1)
case $out in *"copy the image"*) not_ok "progress without a terminal: $out" ;; *) ok "without a terminal, no progress" ;; esac
out=$(script -qec "$SYSCTR --root $TROOT -q destroy ${PFX}-tty" /dev/null)
check "destroy them" sysctr destroy "${PFX}-notty"
check "create --copy" sysctr create busybox "$cp_" --copy
if [ -x "$TROOT/var/lib/sysctr/containers/$cp_/rootfs/bin/busybox" ]; then ok "--copy has its own rootfs"; else not_ok "--copy rootfs"; fi
check_out "info says it is a copy" dir json_of "d['storage']" sysctr info "$cp_" --format json
check_out "and an overlay for the others" overlay json_of "d['storage']" sysctr info "$a" --format json
image=$(sysctr images list --format json | json_get "d[0]['name']")
check_out "info names the image" "${image:-(images list failed)}" json_of "d['image']" sysctr info "$a" --format json
check "start the copy" sysctr start "$cp_"
check_out "the copy runs, with its own name" "$cp_" sysctr exec "$cp_" -- hostname
check "write into the copy" sysctr exec "$cp_" -- sh -c 'echo mine > /etc/motd'
check "start a" sysctr start "$a"
check "write into a's layer" sysctr exec "$a" -- sh -c 'echo a-only > /etc/motd'
check "start b" sysctr start "$b"
check_out "b does not see a's write" unseen sysctr exec "$b" -- sh -c 'if grep -qx a-only /etc/motd 2>/dev/null; then echo seen; else echo unseen; fi'
check "stop all" sysctr stop -k "$a" "$b" "$cp_"

check "create --refresh builds a new image" sysctr create busybox "$c" --refresh
check_out "two images now" 2 json_of 'len(d)' sysctr images list --format json
old=$(sysctr images list --format json | json_get "[i['name'] for i in d if '$a' in i['containers']][0]")
new=$(sysctr images list --format json | json_get "[i['name'] for i in d if '$c' in i['containers']][0]")
if [ "$old" != "$new" ]; then ok "the new container uses the new image, the old ones keep theirs"; else not_ok "images: $old $new"; fi

check_exit "images rm of an image in use is refused (4)" 4 sysctr images rm "$old"
err=$(sysctr images rm "$old" 2>&1)
case $err in *"in use by $a, $b, $cp_"*) ok "and names its users" ;; *) not_ok "error: $err" ;; esac
check_exit "images rm of a missing image (3)" 3 sysctr images rm no-such-image

check "destroy a" sysctr destroy "$a"
if [ -d "$TROOT/images/$old/rootfs" ]; then ok "destroy leaves the shared image"; else not_ok "image gone with a"; fi
check "destroy b" sysctr destroy "$b"
check "destroy the copy" sysctr destroy "$cp_"
check "images rm of the unused image" sysctr images rm "$old"
if [ -e "$TROOT/images/$old" ]; then not_ok "its files are gone"; else ok "its files are gone"; fi
check_out "one image left" 1 json_of 'len(d)' sysctr images list --format json

# security.privileged is fixed at create: the files belong to that root
check "set privileged on an unprivileged container" sysctr config set "$c" security.privileged=true
err=$(sysctr start "$c" 2>&1)
rc=$?
check_eq "a start that would boot a foreign tree is refused (2)" 2 "$rc"
case $err in *"security.privileged = true does not match"*) ok "and says why" ;; *) not_ok "error: $err" ;; esac
check "set it back" sysctr config set "$c" security.privileged=false
check "then it starts" sysctr start "$c"
check "destroy -f" sysctr destroy -f "$c"

check_exit "--from is for the local template (2)" 2 sysctr create busybox "${PFX}-x" --from /etc/hostname
check_exit "local needs --from (2)" 2 sysctr create local "${PFX}-x"
check_exit "--from of a missing file (3)" 3 sysctr create local "${PFX}-x" --from /nonexistent.tar

done_testing
