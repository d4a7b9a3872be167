#!/bin/sh
# Where sysctr looks and what a container's root must reach: configure's
# directories are the ones the binary uses, and a start whose rootfs the
# mapped root cannot reach is refused with one line naming the directory
# and the fix (not liblxc's generic failure).
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

# --- a root below a 0700 directory (like /root, or a plain mktemp -d)
hidden=$(mktemp -d /tmp/sysctr-0700.XXXXXX)
TEST_CLEANUP_EXTRA='hidden_cleanup'
hidden_cleanup() {
	for c in $(hsysctr list --format json 2>/dev/null | json_get "' '.join(x['name'] for x in d)" 2>/dev/null); do
		hsysctr destroy -f "$c" >/dev/null 2>&1
	done
	grep -F " $hidden" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$hidden"
}
check_out "mktemp -d makes a 0700 directory" 700 stat -c %a "$hidden"
hroot="$hidden/root"
mkdir -p "$hroot/etc/sysctr"
cp "$TROOT/etc/sysctr/sysctr.conf" "$hroot/etc/sysctr/sysctr.conf"
hsysctr() { "$SYSCTR" --root "$hroot" "$@"; }
c="${PFX}-hid"
check "create below a 0700 directory" hsysctr create busybox "$c"
err=$(hsysctr start "$c" 2>&1)
rc=$?
check_eq "start is refused (1)" 1 "$rc"
check_eq "in one line" 1 "$(err_lines "$err")"
case $err in
"sysctr: $c: "*"cannot reach"*"$hidden is mode 0700"*"chmod o+x $hidden"*) ok "the line names the directory and the fix" ;;
*) not_ok "error: $err" ;;
esac
check_out "and it is not running" STOPPED json_of "d['state']" hsysctr info "$c" --format json
chmod 0711 "$hidden"
check "with the fix applied it starts" hsysctr start "$c"
check "stop" hsysctr stop -k "$c"
chmod 0700 "$hidden"
hsysctr destroy -f "$c" >/dev/null 2>&1
# a privileged container is mounted by host root: nothing to check
p="${PFX}-hidp"
check "privileged below a 0700 directory" hsysctr create busybox "$p" --set security.privileged=true
check "starts" hsysctr start "$p"
check "destroy -f" hsysctr destroy -f "$p"

# --- configure --prefix/--sysconfdir/--localstatedir decide the paths
pfx="$TROOT/pfx"
bld="$TROOT/pfx-build"
mkdir -p "$bld"
if (cd "$bld" && "$SYSCTR_SRCDIR/configure" -q --prefix="$pfx" >/dev/null &&
	make -s -j2 sysctr >/dev/null 2>&1 && make -s install-binPROGRAMS install-data-local >/dev/null); then
	ok "a build with --prefix=$pfx installs"
else
	not_ok "a build with --prefix=$pfx installs"
fi
check_eq "the installed sysctr.conf is under the prefix" yes "$([ -f "$pfx/etc/sysctr/sysctr.conf" ] && echo yes)"
case $("$pfx/bin/sysctr" help 2>&1) in
*"default $pfx/etc/sysctr/sysctr.conf"*) ok "help names the configured sysctr.conf" ;;
*) not_ok "help: $("$pfx/bin/sysctr" help 2>&1 | grep config)" ;;
esac
echo 'frobnicate = 1' >>"$pfx/etc/sysctr/sysctr.conf"
err=$("$pfx/bin/sysctr" list 2>&1)
case $err in
*"$pfx/etc/sysctr/sysctr.conf"*frobnicate*) ok "the installed sysctr.conf is the one read" ;;
*) not_ok "installed sysctr.conf not read: $err" ;;
esac
sed -i '/^frobnicate/d' "$pfx/etc/sysctr/sysctr.conf"
check "list with the installed config" "$pfx/bin/sysctr" list
check_eq "the registry is under --localstatedir" yes "$([ -f "$pfx/var/lib/sysctr/sysctr.db" ] && echo yes)"
done_testing
