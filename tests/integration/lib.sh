# Shared by the integration tests: a fresh --root per test script, TAP
# output, and cleanup of containers, mounts and the root even on failure.
# shellcheck shell=sh

: "${SYSCTR:?SYSCTR must point at the built sysctr}"
: "${SYSCTR_SRCDIR:?}"
: "${SYSCTR_BUILDDIR:?}"

tap_n=0
tap_failed=0

skip_all() {
	if [ "${SYSCTR_TESTS_MUST_RUN:-0}" = 1 ]; then
		echo "Bail out! cannot run: $1 (SYSCTR_TESTS_MUST_RUN=1)"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
unshare --user --map-root-user true 2>/dev/null || skip_all "no user namespaces"

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# check DESC CMD...: the command must succeed
check() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

# check_exit DESC CODE CMD...: the command must exit with CODE
check_exit() {
	desc=$1
	want=$2
	shift 2
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $got, wanted $want)"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

# check_eq DESC WANT GOT: GOT is a value already at hand. When GOT is a
# command's output, use check_out: a failed command prints nothing, and
# nothing must not pass for an expected "" or 0.
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1: wanted '$2', got '$3'"
	fi
}

# check_out DESC WANT CMD...: the command must succeed and print WANT on
# stdout (its last newline dropped, as by $(...)). A command that fails
# fails the check whatever it printed, and its stderr is shown.
check_out() {
	_co_desc=$1
	_co_want=$2
	shift 2
	_co_got=$("$@" 2>"$check_err")
	_co_rc=$?
	if [ "$_co_rc" -ne 0 ]; then
		not_ok "$_co_desc: the command failed (exit $_co_rc): $*"
		sed 's/^/# /' "$check_err"
	elif [ "$_co_want" = "$_co_got" ]; then
		ok "$_co_desc"
	else
		not_ok "$_co_desc: wanted '$_co_want', got '$_co_got'"
	fi
}

# check_has DESC TEXT CMD...: the command must succeed and its stdout and
# stderr together contain TEXT.
check_has() {
	_ch_desc=$1
	_ch_want=$2
	shift 2
	_ch_got=$("$@" 2>&1)
	_ch_rc=$?
	if [ "$_ch_rc" -ne 0 ]; then
		not_ok "$_ch_desc: the command failed (exit $_ch_rc): $*"
		printf '%s\n' "$_ch_got" | sed 's/^/# /'
	else
		case $_ch_got in
		*"$_ch_want"*) ok "$_ch_desc" ;;
		*) not_ok "$_ch_desc: no '$_ch_want' in '$_ch_got'" ;;
		esac
	fi
}

# json_of EXPR CMD...: run CMD and print json_get EXPR of its stdout;
# the status is CMD's when it fails, else json_get's. For check_out,
# where a pipe would hide the status of its first command.
json_of() {
	_jo_expr=$1
	shift
	_jo_out=$("$@") || return
	printf '%s' "$_jo_out" | json_get "$_jo_expr"
}

# count_lines CMD...: how many lines CMD prints; fails when CMD fails.
count_lines() {
	_cl_out=$("$@") || return
	if [ -z "$_cl_out" ]; then
		echo 0
	else
		printf '%s\n' "$_cl_out" | wc -l
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# Images are cached across test scripts and runs, so a run pays for
# debootstrap once. Not under the build tree: an unprivileged container's
# mapped root must reach every directory above the image's rootfs, and a
# checkout in /root (0700) or a 0700 mktemp directory would hide it.
TEST_CACHE=${SYSCTR_TEST_CACHE:-/var/tmp/sysctr-test-cache}
mkdir -p "$TEST_CACHE/images"

TROOT=$(mktemp -d /tmp/sysctr-test.XXXXXX)
# check_out's stderr of the command, outside the root the tests inspect
check_err=$(mktemp /tmp/sysctr-check.XXXXXX)
chmod 0711 "$TROOT"
mkdir -p "$TROOT/etc/sysctr"
cat > "$TROOT/etc/sysctr/sysctr.conf" <<CONF
paths {
  templates = "$SYSCTR_SRCDIR/templates"
  images = "$TEST_CACHE/images"
}
timeouts {
  lock = 2
  stop = 30
}
network {
  mode = "none"
}
CONF

# Container names unique to this run: the pid keeps parallel test scripts
# apart and cannot clash with an admin's names.
# shellcheck disable=SC2034 # used by the scripts that source this
PFX="st$$"

sysctr() {
	"$SYSCTR" --root "$TROOT" "$@"
}

cleanup() {
	set +e
	for c in $(sysctr list --format json 2>/dev/null |
		python3 -c 'import json,sys; [print(c["name"]) for c in json.load(sys.stdin)]' 2>/dev/null); do
		sysctr destroy -f "$c" >/dev/null 2>&1
	done
	# whatever is still mounted below the root goes before the files
	grep -F " $TROOT" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$TROOT"
	rm -f "$check_err"
	# liblxc's cgroups of this test's containers, where a monitor could
	# not remove its own: rmdir takes only the empty ones
	for _cg in /sys/fs/cgroup/lxc.monitor."$PFX"-* /sys/fs/cgroup/lxc.payload."$PFX"-* \
		/sys/fs/cgroup/*/lxc.monitor."$PFX"-* /sys/fs/cgroup/*/lxc.payload."$PFX"-*; do
		[ -d "$_cg" ] && find "$_cg" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	if [ -n "${TEST_CLEANUP_EXTRA:-}" ]; then
		eval "$TEST_CLEANUP_EXTRA"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# signal_pid SIG PID WHAT: signal PID only when it is a real process (> 1)
# and the expected one (its command line contains WHAT). A pid read as 0 or
# empty from a container that never started must not become `kill 0`,
# which signals this whole process group, the test run included.
signal_pid() {
	case $2 in
	'' | *[!0-9]*)
		not_ok "refusing to signal pid '$2' (expected $3)"
		return 1
		;;
	esac
	if [ "$2" -le 1 ] || [ ! -r "/proc/$2/cmdline" ]; then
		not_ok "refusing to signal pid $2 (expected $3)"
		return 1
	fi
	if ! tr '\0' ' ' <"/proc/$2/cmdline" | grep -qF -- "$3"; then
		not_ok "pid $2 is not $3: $(tr '\0' ' ' <"/proc/$2/cmdline")"
		return 1
	fi
	kill -s "$1" "$2"
}

# mounts_below: how many mounts there are below the test's root (grep -c
# exits 1 when it counts none: only its 2, an error, is a failure)
mounts_below() { grep -c -F " $TROOT/" /proc/self/mountinfo || [ $? -eq 1 ]; }

# proc_uid PID: the host uid a process runs as
proc_uid() {
	awk '/^Uid:/ {print $2}' "/proc/$1/status"
}

# tree_manifest NAME DIR [ROOT]: every entry below DIR of the running
# container (of the test's root, or of ROOT), seen from the host through
# its init's root: type, mode, owner, size, mtime, content hash, link
# target, xattrs (file capabilities among them) and which entries are
# hard links of one another.
tree_manifest() {
	_pid=$("$SYSCTR" --root "${3:-$TROOT}" info "$1" --format json | json_get "d['pid']")
	case $_pid in '' | *[!0-9]* | 0 | 1) echo "no pid for $1"; return 1 ;; esac
	python3 - "/proc/$_pid/root$2" <<'PY'
import hashlib, os, stat, sys
top = sys.argv[1]
seen = {}
out = []
for dirpath, dirs, files in os.walk(top):
    dirs.sort()
    for name in sorted(dirs + files):
        p = os.path.join(dirpath, name)
        rel = os.path.relpath(p, top)
        st = os.lstat(p)
        kind = stat.S_IFMT(st.st_mode)
        line = [rel, oct(st.st_mode), str(st.st_uid), str(st.st_gid)]
        if not stat.S_ISDIR(st.st_mode):
            line.append(str(int(st.st_mtime)))
        if stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                line.append(hashlib.sha256(f.read()).hexdigest()[:16])
            key = (st.st_dev, st.st_ino)
            line.append("link-of=" + seen.setdefault(key, rel))
        if stat.S_ISLNK(st.st_mode):
            line.append("-> " + os.readlink(p))
        for x in sorted(os.listxattr(p, follow_symlinks=False)):
            line.append(x + "=" + os.getxattr(p, x, follow_symlinks=False).hex())
        out.append(" ".join(line))
print("\n".join(out))
PY
}

# build_killat: the LD_PRELOAD library of the crash tests (killat.c) into
# $killat, or the whole script is skipped
build_killat() {
	killat="$TROOT/killat.so"
	"${CC:-cc}" -shared -fPIC -O2 -o "$killat" \
		"$SYSCTR_SRCDIR/tests/integration/killat.c" -ldl ||
		skip_all "cannot build the kill library with ${CC:-cc}"
}

# no_progress TEXT: TEXT without those lines
no_progress() {
	printf '%s\n' "$1" | grep -v '^+ '
}

# err_lines TEXT: the lines of TEXT (a command's stderr) but the "+ STEP:
# N s" lines of progress that sysctr writes when stderr is no terminal
err_lines() {
	printf '%s\n' "$1" | grep -vc '^+ '
}

json_get() {
	# json_get EXPR: evaluate a Python expression on the parsed stdin as d
	python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}

# wait_systemd NAME [SECONDS]: until systemd inside says running or
# degraded (its bus needs a moment after the start); prints the state.
wait_systemd() {
	_t0=$(date +%s)
	_state=
	while [ $(($(date +%s) - _t0)) -lt "${2:-120}" ]; do
		_state=$(sysctr exec "$1" -- systemctl is-system-running --wait 2>/dev/null) || true
		case $_state in running | degraded) break ;; esac
		sleep 1
	done
	echo "$_state"
}

# managed_bridge BRIDGE GATEWAY: put this root's containers on sysctr's
# managed bridge BRIDGE with GATEWAY/24, isolated (nat = false: nothing
# leaves the machine); cleanup removes the bridge, its nftables table and
# the root's dnsmasq (found by its configuration's path, checked), then
# runs $TEST_CLEANUP_MORE
managed_bridge() {
	# shellcheck disable=SC2034 # read by cleanup()
	TEST_CLEANUP_EXTRA="ip link del $1 2>/dev/null; nft delete table ip sysctr_$1 2>/dev/null; managed_bridge_gone"
	# in place of the tests' default network (mode = "none")
	sed -i '/^network {$/,/^}$/d' "$TROOT/etc/sysctr/sysctr.conf"
	cat >>"$TROOT/etc/sysctr/sysctr.conf" <<CONF
network {
  mode = "bridge"
  bridge = "$1"
  ipv4 = "$2/24"
  domain = "t$$"
  nat = false
}
CONF
}
managed_bridge_gone() {
	for _p in $(pgrep -f -- "--conf-file=$TROOT/" || true); do
		signal_pid TERM "$_p" "--conf-file=$TROOT/" >/dev/null 2>&1
	done
	eval "${TEST_CLEANUP_MORE:-}"
	return 0
}
