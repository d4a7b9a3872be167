#!/bin/sh
# A create killed while it copies the image (--copy) leaves neither its
# half-made .new-NAME.XXXXXX directory (the next create sweeps it, of that
# name or another) nor its cp, which dies with it; a create still running
# is never swept.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

sed -i "s|images = .*|images = \"$TROOT/images\"|" "$TROOT/etc/sysctr/sysctr.conf"
ctdir="$TROOT/var/lib/sysctr/containers"

# A busybox tree with 20000 more files: copying it takes seconds.
base="$TROOT/base"
mkdir "$base"
"$SYSCTR_SRCDIR/templates/busybox" --name base --rootfs "$base" --release "" \
	--arch "" --mirror "" --cache "$TROOT/bb-cache" --meta "$TROOT/bb.meta" \
	>/dev/null || { not_ok "busybox rootfs for the tarball"; done_testing; exit 1; }
python3 -c '
import os, sys
for d in range(40):
    p = os.path.join(sys.argv[1], "usr/share/filler", str(d))
    os.makedirs(p)
    for f in range(500):
        open(os.path.join(p, str(f)), "w").close()
' "$base"
tar --numeric-owner -C "$base" -cf "$TROOT/big.tar" .
rm -rf "$base"
check "the image and its shifted copy, made once" sysctr create local "${PFX}-first" --from "$TROOT/big.tar"

new_dirs() { count_lines find "$ctdir" -mindepth 1 -maxdepth 1 -name ".new-$1.*"; }

# copying_pid PID: the cp that sysctr PID runs, once it copies into a
# .new- directory (empty when it does not within 20 s)
copying_pid() {
	i=0
	while [ $i -lt 400 ]; do
		# the children of sysctr, from /proc (no procps in a minimal
		# install); the file is one line of pids separated by blanks
		# shellcheck disable=SC2013 # words are what is wanted here
		for cp in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
			[ "$(cat "/proc/$cp/comm" 2>/dev/null)" = cp ] || continue
			if tr '\0' ' ' <"/proc/$cp/cmdline" 2>/dev/null | grep -q "/\.new-"; then
				echo "$cp"
				return
			fi
		done
		sleep 0.05
		i=$((i + 1))
	done
}

# kill_during_copy NAME: start create --copy of NAME, kill -9 it while its
# cp runs; checks that the cp dies too
kill_during_copy() {
	# exec: $! must be sysctr itself
	(exec "$SYSCTR" --root "$TROOT" create local "$1" --from "$TROOT/big.tar" --copy >/dev/null 2>&1) &
	spid=$!
	cpid=$(copying_pid "$spid")
	if [ -z "$cpid" ]; then
		not_ok "$1: no cp copying the image"
		[ ! -r "/proc/$spid/cmdline" ] || signal_pid KILL "$spid" "create local $1"
		wait "$spid" 2>/dev/null
		return
	fi
	ok "$1: create --copy runs cp"
	signal_pid KILL "$spid" "create local $1"
	wait "$spid" 2>/dev/null
	# a cp killed with it is gone at once; one that copies on is there
	# still, or has copied all 20000 files
	sleep 0.5
	copied=$(find "$ctdir"/.new-"$1".*/rootfs/usr/share/filler -type f 2>/dev/null | wc -l)
	if tr '\0' ' ' <"/proc/$cpid/cmdline" 2>/dev/null | grep -q "/\.new-"; then
		not_ok "$1: its cp (pid $cpid) still runs after sysctr was killed"
		# ours: the cp our sysctr ran into this test's tree
		signal_pid KILL "$cpid" "/.new-$1."
	elif [ "$copied" -ge 20000 ]; then
		not_ok "$1: its cp went on copying after sysctr was killed"
	else
		ok "$1: its cp died with it ($copied of 20000 files copied)"
	fi
	check_out "$1: it left its .new- directory" 1 new_dirs "$1"
}

# --- the next create of another name sweeps it: its owner is dead
k1="${PFX}-k1"
kill_during_copy "$k1"
check "a create of another name" sysctr create busybox "${PFX}-other"
check_out "swept the dead create's directory" 0 new_dirs "$k1"

# --- the next create of the same name sweeps it
k2="${PFX}-k2"
kill_during_copy "$k2"
check "create of the same name" sysctr create local "$k2" --from "$TROOT/big.tar"
check_out "swept the dead create's directory" 0 new_dirs "$k2"
check "and the new one is there" sysctr info "$k2"

# --- a create that runs is not swept by another
live="${PFX}-live"
(exec "$SYSCTR" --root "$TROOT" create local "$live" --from "$TROOT/big.tar" --copy >"$TROOT/live.out" 2>&1) &
lpid=$!
if [ -n "$(copying_pid "$lpid")" ]; then
	check "a create meanwhile" sysctr create busybox "${PFX}-meanwhile"
	check_out "left the running create's directory alone" 1 new_dirs "$live"
else
	not_ok "the running create never copied"
fi
wait "$lpid"
check_eq "the running create succeeds" 0 "$?"
check "and its container is there" sysctr info "$live"
check_out "no .new- directory is left" "" find "$ctdir" -mindepth 1 -maxdepth 1 -name '.new-*'

done_testing
