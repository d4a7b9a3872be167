#!/bin/sh
# A rootfs tarball is untrusted: its symbolic links must never carry a
# host-side write (the container's hostname that create seeds into the
# tree) out of the tree. Each hostile tarball either gives a container
# whose hostname was written inside its own tree, or fails with one line
# and leaves nothing; the victims on the host stay untouched.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

# Hostile images are this test's own: not in the shared cache.
sed -i "s|images = .*|images = \"$TROOT/images\"|" "$TROOT/etc/sysctr/sysctr.conf"

victim=$(mktemp -d /tmp/victim-XXXXXX)
vfile=$(mktemp /tmp/victim-file-XXXXXX)
# shellcheck disable=SC2016 # expanded by lib.sh's cleanup
TEST_CLEANUP_EXTRA='rm -rf "$victim" "$vfile"'
echo keep >"$victim/keep"
echo keep >"$vfile"
victim_state() {
	_vs=$(cd "$victim" && ls -A && cat keep) || return
	printf '%s\n' "$_vs" | tr '\n' ' '
	cat "$vfile"
}
victim0=$(victim_state)

# etc -> /etc must not reach the host's /etc even when the fix regresses:
# sysctr runs in a private mount namespace whose /etc is a copy, and both
# the copy and the real file are checked.
fake_etc="$TROOT/fake-etc"
host_hostname0=$(stat -c '%i %Y %s' /etc/hostname; cat /etc/hostname)

base="$TROOT/base"
mkdir "$base"
"$SYSCTR_SRCDIR/templates/busybox" --name base --rootfs "$base" --release "" \
	--arch "" --mirror "" --cache "$TROOT/bb-cache" --meta "$TROOT/bb.meta" \
	>/dev/null || { not_ok "busybox rootfs for the tarballs"; done_testing; exit 1; }

# tarball NAME: a tarball of $base after the shell code on stdin ran in it
tarball() {
	t="$TROOT/t-$1"
	cp -a "$base" "$t"
	(cd "$t" && sh -eu) || not_ok "make tarball $1"
	tar --numeric-owner -C "$t" -cf "$TROOT/$1.tar" .
	rm -rf "$t"
}

tarball etc-victim <<EOF
rm -rf etc
ln -s $victim etc
EOF
tarball etc-relative <<EOF
rm -rf etc
ln -s ../../../../../../../../../../../../../../../..$victim etc
EOF
tarball etc-host <<'EOF'
rm -rf etc
ln -s /etc etc
EOF
tarball hostname-file <<EOF
rm -f etc/hostname
ln -s $vfile etc/hostname
EOF

ctdir="$TROOT/var/lib/sysctr/containers"

# create_hostile CASE NAME ARGS...: create a container from CASE's tarball
# and check the outcome
create_hostile() {
	case_=$1
	n=$2
	shift 2
	err=$(sysctr create local "$n" --from "$TROOT/$case_.tar" "$@" 2>&1)
	rc=$?
	err=$(no_progress "$err")
	outcome "$case_" "$n" "$rc" "$err" "$*"
}

# outcome CASE NAME EXIT STDERR ARGS (not $desc: lib.sh's check uses it)
outcome() {
	what="$1${5:+ $5}"
	if [ "$3" -eq 0 ]; then
		found=$(find "$ctdir/$2" -name hostname -type f -exec grep -lx "$2" {} + 2>/dev/null | wc -l)
		if [ "$found" -ge 1 ]; then
			ok "$what: created, its hostname written inside its tree"
		else
			not_ok "$what: created, but no hostname file in its tree"
		fi
		check "$what: destroy it" sysctr destroy "$2"
	else
		check_eq "$what: fails with exit 1" 1 "$3"
		check_eq "$what: in one line" 1 "$(err_lines "$4")"
		case $4 in
		"sysctr: $2: "*) ok "$what: the line names the container: $4" ;;
		*) not_ok "$what: error: $4" ;;
		esac
		check_out "$what: no row" "" json_of "' '.join(c['name'] for c in d if c['name']=='$2')" sysctr list --format json
	fi
	check_out "$what: nothing left in the containers directory" "" ls -A "$ctdir"
	check_out "$what: the victims are untouched" "$victim0" victim_state
	check_eq "$what: the host's /etc/hostname is untouched" "$host_hostname0" "$(stat -c '%i %Y %s' /etc/hostname; cat /etc/hostname)"
	# the next case starts from untouched victims again
	rm -f "$victim/hostname"
	echo keep >"$vfile"
}

for c in etc-victim etc-relative hostname-file; do
	create_hostile "$c" "${PFX}-$c" --copy
	create_hostile "$c" "${PFX}-$c"
	create_hostile "$c" "${PFX}-$c" --copy --set security.privileged=true
done

# etc -> /etc, with /etc a copy in a private mount namespace
for mode in --copy ""; do
	n="${PFX}-etc-host"
	rm -rf "$fake_etc"
	cp -a /etc "$fake_etc"
	touch -d '-1 min' "$fake_etc" "$fake_etc/hostname"
	: >"$TROOT/etc-host.stamp"
	fake_hostname0=$(stat -c '%Y %s' "$fake_etc/hostname"; cat "$fake_etc/hostname")
	# shellcheck disable=SC2086,SC2016 # $mode is empty or one option
	err=$(unshare -m sh -c 'mount --bind "$1" /etc && shift && exec "$@"' sh \
		"$fake_etc" "$SYSCTR" --root "$TROOT" create local "$n" \
		--from "$TROOT/etc-host.tar" $mode 2>&1)
	rc=$?
	err=$(no_progress "$err")
	outcome etc-host "$n" "$rc" "$err" "$mode"
	check_eq "etc-host${mode:+ $mode}: the /etc seen by sysctr is untouched" "$fake_hostname0" \
		"$(stat -c '%Y %s' "$fake_etc/hostname"; cat "$fake_etc/hostname")"
	check_out "etc-host${mode:+ $mode}: nothing new in that /etc" "" \
		find "$fake_etc" -maxdepth 1 -newer "$TROOT/etc-host.stamp"
done

# The tarball's own etc/hostname symlink is replaced, not followed: the
# container has its own name.
n="${PFX}-hf"
check "a symlinked etc/hostname: create --copy" sysctr create local "$n" --from "$TROOT/hostname-file.tar" --copy
if [ -f "$ctdir/$n/rootfs/etc/hostname" ] && [ ! -L "$ctdir/$n/rootfs/etc/hostname" ]; then
	ok "etc/hostname is now a file of the tree"
else
	not_ok "etc/hostname: $(ls -l "$ctdir/$n/rootfs/etc/hostname")"
fi
check "start it" sysctr start "$n"
check_out "it has its own name" "$n" sysctr exec "$n" -- hostname
check "destroy it" sysctr destroy -f "$n"
check_out "the victim file is untouched" "$victim0" victim_state

done_testing
