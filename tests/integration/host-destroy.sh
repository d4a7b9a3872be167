#!/bin/sh
# destroy always finishes or says it did not: a container cannot make its
# own destroy fail with a deep tree, a destroy that cannot remove
# everything exits non-zero and a second destroy finishes it, and a
# destroy -f retried while the container is still on its way down waits
# for it instead of answering "not running".
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

ctdir="$TROOT/var/lib/sysctr/containers"
imm=
# An immutable file would keep lib.sh's cleanup from removing the root.
# shellcheck disable=SC2016 # expanded at exit
trap '[ -z "$imm" ] || chattr -i "$imm" 2>/dev/null; cleanup' EXIT

victim=$(mktemp -d /tmp/victim-XXXXXX)
# shellcheck disable=SC2016 # expanded by lib.sh's cleanup
TEST_CLEANUP_EXTRA='rm -rf "$victim"'
echo keep >"$victim/keep"

has_row() {
	json_of "len([c for c in d if c['name']=='$1'])" sysctr list --format json
}

# --- a tree deeper than the open files sysctr may have
c="${PFX}-deep"
check "create" sysctr create busybox "$c"
check "start" sysctr start "$c"
# 31 steps of 64 levels each (one mkdir -p per step keeps it fast), then
# 16 more: busybox's cd stops at 4096 bytes of path
check "a 2000-level tree inside, and links out of it" sysctr exec "$c" -- sh -c "
	ln -s $victim /root/to-victim && ln -s $victim/keep /root/to-keep &&
	p=d && for i in 1 2 3 4 5 6; do p=\$p/\$p; done &&
	cd /root && i=0 && while [ \$i -lt 31 ]; do
		mkdir -p \$p && cd \$p || exit 1
		i=\$((i + 1))
	done && q=d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d && mkdir -p \$q &&
	echo leaf >\$q/leaf && ln -s $victim \$q/link-at-the-bottom"
err=$(sh -c 'ulimit -n 64 && exec "$@"' sh "$SYSCTR" --root "$TROOT" destroy -f "$c" 2>&1)
check_eq "destroy -f with ulimit -n 64 succeeds" 0 "$?"
check_eq "and says nothing on stderr" "" "$(printf '%s\n' "$err" | grep -v "^$c: destroy")"
if [ -e "$ctdir/$c" ]; then not_ok "its directory is gone"; else ok "its directory is gone"; fi
check_out "no row" 0 has_row "$c"
check_eq "the links' targets are untouched" "keep keep" "$(ls "$victim") $(cat "$victim/keep")"
check "the name can be created again" sysctr create busybox "$c"
check "and destroyed" sysctr destroy "$c"

# --- a destroy that cannot finish says so, and can be run again
c="${PFX}-stuck"
check "create" sysctr create busybox "$c"
check "start" sysctr start "$c"
check "write a file inside" sysctr exec "$c" -- sh -c 'echo x >/root/stuck'
imm="$ctdir/$c/overlay/delta/root/stuck"
if chattr +i "$imm" 2>/dev/null; then
	err=$(sysctr destroy -f "$c" 2>&1)
	check_eq "destroy -f of a tree it cannot remove fails (1)" 1 "$?"
	check_eq "in one line" 1 "$(err_lines "$err")"
	case $err in
	"sysctr: $c: "*"Operation not permitted"*) ok "naming the cause: $err" ;;
	*) not_ok "error: $err" ;;
	esac
	check_exit "create of the name fails while the leftover is there (1)" 1 sysctr create busybox "$c"
	chattr -i "$imm"
	imm=
	check "destroy again finishes it" sysctr destroy "$c"
	if [ -e "$ctdir/$c" ]; then not_ok "its directory is gone"; else ok "its directory is gone"; fi
	check_exit "and a third destroy: no such container (3)" 3 sysctr destroy "$c"
	check "the name can be created again" sysctr create busybox "$c"
	check "and destroyed" sysctr destroy "$c"
else
	ok "# SKIP no chattr +i on this filesystem"
	sysctr destroy -f "$c" >/dev/null 2>&1
fi

# --- destroy -f retried while the container is still going down: an
# lxc.hook.stop that takes 3 s keeps its monitor in STOPPING
c="${PFX}-down"
hook="$TROOT/slow-stop"
printf '#!/bin/sh\ntouch "%s.ran"\nsleep 3\n' "$hook" >"$hook"
chmod +x "$hook"
check "create" sysctr create busybox "$c"
check "with a slow stop hook" sysctr config set "$c" "raw.lxc.hook.stop=$hook"
check "start" sysctr start "$c"
# exec: $! must be sysctr itself
(exec "$SYSCTR" --root "$TROOT" destroy -f "$c" >/dev/null 2>&1) &
spid=$!
i=0
while [ ! -e "$hook.ran" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if [ -e "$hook.ran" ]; then ok "the container is going down"; else not_ok "the stop hook never ran"; fi
signal_pid KILL "$spid" "destroy -f $c"
wait "$spid" 2>/dev/null
err=$(sysctr destroy -f "$c" 2>&1)
check_eq "destroy -f retried at once succeeds" 0 "$?"
case $err in *"not running"*) not_ok "says: $err" ;; *) ok "no 'not running'" ;; esac
if [ -e "$ctdir/$c" ]; then not_ok "its directory is gone"; else ok "its directory is gone"; fi
check_out "no row" 0 has_row "$c"
check "the name can be created again" sysctr create busybox "$c"
check "and destroyed" sysctr destroy "$c"

done_testing
