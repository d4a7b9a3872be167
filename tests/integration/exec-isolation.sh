#!/bin/sh
# exec keeps the caller's terminal, fds and keyrings out of the container
# (issue 6), probed from inside by a static helper, and says why a
# command could not be run.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

command -v script >/dev/null || skip_all "no script (util-linux)"
command -v keyctl >/dev/null || skip_all "no keyctl (keyutils)"
CC=${CC:-cc}
probe_dir="$TROOT/probe"
mkdir -p "$probe_dir"
chmod 0755 "$probe_dir"
"$CC" -static -O2 -o "$probe_dir/probe" \
	"$SYSCTR_SRCDIR/tests/integration/exec-probe.c" ||
	skip_all "cannot build a static probe with $CC"

c="${PFX}-ex"
check "create with the probe mounted" sysctr create busybox "$c" \
	--set "mount.probe.source=$probe_dir" --set mount.probe.path=/opt/probe \
	--set mount.probe.readonly=true
check "start" sysctr start "$c"

# on_tty FILE: run sh FILE with fds 0-2 on a terminal (a pty of script's,
# fed from on_tty's stdin).
on_tty() {
	timeout 60 script -qec "sh $1" /dev/null
}

# ---- TIOCSTI: the command must not type into the caller's terminal ----
# The command pushes "touch MARK" into its terminal. On the caller's
# terminal, the shell that ran sysctr would read and run it; the line it
# must read instead is the "true" fed after exec returned. (With
# dev.tty.legacy_tiocsti = 0 the kernel refuses TIOCSTI without
# CAP_SYS_ADMIN anyway, and this passes whatever sysctr does.)
mark="$TROOT/tiocsti-ran"
done_f="$TROOT/tiocsti-exec-done"
cat >"$TROOT/tiocsti.sh" <<EOF
"$SYSCTR" --root "$TROOT" exec "$c" -- /opt/probe/probe tiocsti "touch $mark
"
echo "exec status \$?"
touch "$done_f"
read -r line
echo "host read: \$line"
eval "\$line"
EOF
out=$({
	i=0
	while [ ! -e "$done_f" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo true
} | on_tty "$TROOT/tiocsti.sh" 2>&1)
case $out in
*"pushed "*"exec status 0"*) ok "the probe ran on a terminal by exec" ;;
*) not_ok "the probe ran on a terminal by exec"
	printf '%s\n' "$out" | sed 's/^/# /' ;;
esac
if [ -e "$mark" ]; then
	not_ok "TIOCSTI from inside does not reach the caller's shell"
	printf '%s\n' "$out" | sed 's/^/# /'
else
	ok "TIOCSTI from inside does not reach the caller's shell"
fi
case $out in
*"host read: true"*) ok "the caller's shell reads only its own input" ;;
*) not_ok "the caller's shell reads only its own input" ;;
esac

# On a terminal, the command has a terminal: the container's, where the
# caller has one; output redirected to a file gets no \r.
cat >"$TROOT/ttyfds.sh" <<EOF
"$SYSCTR" --root "$TROOT" exec "$c" -- sh -c \
	'echo out; [ -t 0 ] && echo tty0; [ -t 1 ] || echo pipe1; [ -t 2 ] && echo tty2 >&2; ls /dev/pts/\$(tty | sed "s,.*/,,")' \
	>"$TROOT/ttyfds.out"
echo "exec status \$?"
EOF
out=$(on_tty "$TROOT/ttyfds.sh" </dev/null 2>&1)
case $out in
*tty2*"exec status 0"*) ok "exec on a terminal returns the command's status" ;;
*) not_ok "exec on a terminal returns the command's status"
	printf '%s\n' "$out" | sed 's/^/# /' ;;
esac
check_eq "a terminal inside where the caller has one, a pipe elsewhere" \
	"$(printf 'out\ntty0\npipe1\n/dev/pts/N')" \
	"$(sed 's,/dev/pts/[0-9]*$,/dev/pts/N,' "$TROOT/ttyfds.out")"

# Without a terminal on fds 0-2, the caller's controlling terminal (the
# one script made) is not the command's either.
cat >"$TROOT/noctty.sh" <<EOF
"$SYSCTR" --root "$TROOT" exec "$c" -- sh -c \
	'if true </dev/tty; then echo has-tty; else echo no-tty; fi' \
	</dev/null >"$TROOT/noctty.out" 2>/dev/null
EOF
on_tty "$TROOT/noctty.sh" </dev/null >/dev/null 2>&1
check_eq "no controlling terminal inside without one on fds 0-2" no-tty \
	"$(cat "$TROOT/noctty.out")"

# ---- fds: none of the caller's reaches the command --------------------
check_exit "the caller's fd 7 (the host's /) is not open inside" 1 \
	sh -c 'exec 7</; exec "$@"' sh "$SYSCTR" --root "$TROOT" exec "$c" -- \
	test -e /proc/self/fd/7/etc
out=$(sh -c 'exec 7</ 8>/dev/null 9<"$0"; exec "$@"' "$TROOT/tiocsti.sh" \
	"$SYSCTR" --root "$TROOT" exec "$c" -- /opt/probe/probe fds 2>&1)
check_eq "the command has no fd above 2" none "$out"

# ---- keyrings: the caller's session keyring stays outside ------------
# keyctl session: a session keyring of this test's own, so that the
# runner's keeps no test key.
key="sysctr-test-$$"
# shellcheck disable=SC2016 # expanded by the inner sh, from its arguments
out=$(keyctl session - sh -c '
	keyctl add user "$1" host-secret @s >/dev/null || exit 1
	keyctl search @s user "$1" >/dev/null && echo "host sees the key"
	"$2" --root "$3" exec "$4" -- /opt/probe/probe key "$1"
	echo "probe status $?"' sh "$key" "$SYSCTR" "$TROOT" "$c" 2>&1)
case $out in
*"host sees the key"*) ok "the key is in the caller's session keyring" ;;
*) not_ok "the key is in the caller's session keyring"
	printf '%s\n' "$out" | sed 's/^/# /' ;;
esac
case $out in
*"probe status 1"*) ok "the command cannot find the caller's session key" ;;
*) not_ok "the command cannot find the caller's session key"
	printf '%s\n' "$out" | sed 's/^/# /' ;;
esac

# ---- a command that cannot run says so --------------------------------
err=$(sysctr exec "$c" -- nosuchcmd 2>&1 >/dev/null)
rc=$?
check_eq "a command not found exits 127" 127 "$rc"
check_eq "... with one line naming it" \
	"sysctr: $c: nosuchcmd: command not found" "$err"
err=$(sysctr exec "$c" -- /etc/passwd 2>&1 >/dev/null)
rc=$?
check_eq "a command found but not executable exits 126" 126 "$rc"
check_eq "... with its reason" \
	"sysctr: $c: /etc/passwd: Permission denied" "$err"

# ---- the relay ----------------------------------------------------------
# A background process holding the output pipe does not keep exec waiting.
out=$(timeout 20 "$SYSCTR" --root "$TROOT" exec "$c" -- \
	sh -c 'sleep 30 & echo started')
rc=$?
check_eq "exec returns when the command exits, background or not" \
	"0 started" "$rc $out"
out=$(sysctr exec "$c" -- sh -c 'echo a; echo b >&2; echo c; echo d >&2' 2>&1)
check_eq "stdout and stderr that are one keep the command's order" \
	"a b c d" "$(printf '%s\n' "$out" | tr '\n' ' ' | sed 's/ $//')"
printf 'one\ntwo\nthree\n' >"$TROOT/lines"
out=$(while read -r l; do
	printf '%s ' "$l"
	sysctr exec "$c" -- true
done <"$TROOT/lines")
check_eq "exec leaves a while-read loop's lines from a file" \
	"one two three " "$out"
# A signal to sysctr goes to the command (which is in a session of its
# own, out of reach of the caller's process group).
"$SYSCTR" --root "$TROOT" exec "$c" -- \
	sh -c 'touch /tmp/sigterm-ready; exec sleep 40' \
	</dev/null >/dev/null 2>&1 &
spid=$!
i=0
until sysctr exec "$c" -- test -e /tmp/sigterm-ready || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
signal_pid TERM "$spid" sigterm-ready
wait "$spid"
check_eq "SIGTERM to sysctr ends the command (143)" 143 "$?"
check_exit "... which is gone, not left running inside" 1 \
	sysctr exec "$c" -- sh -c 'ps | grep -v grep | grep -q "sleep 40"'

check "destroy -f" sysctr destroy -f "$c"
done_testing
