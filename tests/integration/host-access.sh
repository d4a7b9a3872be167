#!/bin/sh
# Host users other than root cannot reach what containers and images hold
# (a setuid file a container made would be theirs to run), while the
# containers' mapped root still can: unprivileged, privileged and --copy
# containers start. Directories left by older versions are fixed when
# sysctr opens them.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

# Its own images: the test changes their directory's mode.
sed -i "s|images = .*|images = \"$TROOT/images\"|" "$TROOT/etc/sysctr/sysctr.conf"

ctdir="$TROOT/var/lib/sysctr/containers"
imgdir="$TROOT/images"
base=100000

# as_nobody CMD...: run CMD as an unprivileged host user, no groups.
# Through a shell: setpriv itself still holds root's capabilities while it
# looks up the program it executes.
as_nobody() {
	# shellcheck disable=SC2016 # for the inner shell
	setpriv --reuid=65534 --regid=65534 --clear-groups -- /bin/sh -c 'exec "$@"' sh "$@"
}

# unreachable DESC PATH: neither stat nor exec of PATH works for nobody
unreachable() {
	if [ ! -e "$2" ]; then
		not_ok "$1: $2 does not exist (as root)"
	elif as_nobody stat "$2" >/dev/null 2>&1; then
		not_ok "$1: nobody can stat $2"
	elif as_nobody "$2" true >/dev/null 2>&1; then
		not_ok "$1: nobody can run $2"
	else
		ok "$1"
	fi
}

# setuid_file NAME: a setuid copy of busybox made inside the container
setuid_file() {
	check "$1: a setuid file made inside" sysctr exec "$1" -- sh -c \
		'cp /bin/busybox /suid && chmod 4755 /suid && test -u /suid'
}

check_out "nobody exists to run the checks as" 65534 as_nobody id -u

u="${PFX}-unpriv"
check "create an unprivileged container" sysctr create busybox "$u"
check "it starts" sysctr start "$u"
setuid_file "$u"
unreachable "unprivileged: its setuid file is out of host users' reach" "$ctdir/$u/overlay/delta/suid"
check_out "(it is setuid, owned by the mapped root)" "4755 $base" stat -c '%a %u' "$ctdir/$u/overlay/delta/suid"

img=$(sysctr images list --format json | json_get "d[0]['path']")
unreachable "a path inside the image is out of reach" "$img/rootfs/bin/busybox"
unreachable "and inside its shifted copy" "$(find "$img" -maxdepth 1 -name 'rootfs.idmap-*' | head -n 1)/bin/busybox"

p="${PFX}-priv"
check "create a privileged container" sysctr create busybox "$p" --set security.privileged=true
check "it starts" sysctr start "$p"
setuid_file "$p"
unreachable "privileged: its setuid-root file is out of host users' reach" "$ctdir/$p/overlay/delta/suid"

c="${PFX}-copy"
check "create --copy" sysctr create busybox "$c" --copy
check "it starts" sysctr start "$c"
setuid_file "$c"
unreachable "--copy: its setuid file is out of host users' reach" "$ctdir/$c/rootfs/suid"

for d in "$ctdir" "$imgdir"; do
	check_out "${d#"$TROOT"/} is root's, group the mapped root, 0710" "0 $base 710" stat -c '%u %g %a' "$d"
done

# --- an install made by an older version: 0711 root:root
check "stop them" sysctr stop -k "$u" "$p" "$c"
chmod 0711 "$ctdir" "$imgdir"
chgrp 0 "$ctdir" "$imgdir"
check "any command that opens the registry" sysctr list
for d in "$ctdir" "$imgdir"; do
	check_out "fixed: ${d#"$TROOT"/}" "0 $base 710" stat -c '%u %g %a' "$d"
done
unreachable "the file is out of reach again" "$ctdir/$u/overlay/delta/suid"
check "the unprivileged container starts again" sysctr start "$u"
check "the privileged one" sysctr start "$p"
check "the copy" sysctr start "$c"
check_out "and runs" "$u" sysctr exec "$u" -- hostname

done_testing
