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
case $out in *"+ copy the image: "*" s"*) ok "without a terminal, the step as a line with its time" ;; *) not_ok "no step line without a terminal: $out" ;; esac
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

# --- the disk an image takes, its shifted copy included
p1="${PFX}-p1"
check "an unprivileged container on the image" sysctr create busybox "$p1"
img=$(sysctr images list --format json | json_get "json.dumps([i for i in d if '$p1' in i['containers']][0])")
check_out "images list: disk_bytes counts the shifted copy (more than the rootfs)" True json_of "d['disk_bytes'] > d['size_bytes'] > 0" printf '%s' "$img"
check_has "and a DISK column" "DISK" sysctr images list
id1=$(printf '%s' "$img" | json_get "d['id']")

# --- prune: the unused images and the templates' downloads
mkdir -p "$TROOT/images/.cache/debian/debs" "$TROOT/images/.cache/alpine"
head -c 1048576 /dev/zero >"$TROOT/images/.cache/debian/debs/fake.deb"
: >"$TROOT/images/.cache/alpine/.lock"
flock "$TROOT/images/.cache/alpine/.lock" sleep 30 &
holder=$!
check "a newer image nobody uses" sysctr create busybox "${PFX}-p2" --refresh
check "whose container goes" sysctr destroy "${PFX}-p2"
id2=$(sysctr images list --format json | json_get "max(i['id'] for i in d)")
pruned=$(sysctr images prune --format json)
check_out "prune removes the unused image" 1 json_of "len(d['removed'])" printf '%s' "$pruned"
check_out "keeps the one in use" "$p1" json_of "[c for i in d for c in i['containers']][0]" sysctr images list --format json
check_out "and the image count" 1 json_of "len(d)" sysctr images list --format json
check_out "removes the downloads" False json_of "__import__('os').path.exists('$TROOT/images/.cache/debian')" printf '{}'
check_out "keeps a cache a template run holds" "alpine" json_of "' '.join(d['cache_busy'])" printf '%s' "$pruned"
check "its files stay" test -e "$TROOT/images/.cache/alpine/.lock"
check_out "says what it freed" True json_of "d['freed_bytes'] >= d['cache_bytes'] >= 1048576" printf '%s' "$pruned"
[ "$holder" -gt 1 ] && kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
check_has "prune as text" "freed" sysctr images prune
# --- image ids are never reused: the removed newest one's id stays gone
check "a new image" sysctr create busybox "${PFX}-p3" --refresh
id3=$(sysctr images list --format json | json_get "max(i['id'] for i in d)")
check_eq "gets an id above every earlier one ($id1, $id2)" True "$([ "$id3" -gt "$id2" ] && [ "$id2" -gt "$id1" ] && echo True)"
check "destroy ${PFX}-p3" sysctr destroy "${PFX}-p3"
check "destroy $p1" sysctr destroy "$p1"

done_testing
