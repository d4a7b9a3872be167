#!/bin/sh
# sysctr doctor: a healthy root passes (exit 0, warnings allowed); each
# broken state, made in a root of its own, is reported with what to do,
# and --fix repairs what it promises to (leftovers, stale mounts and lock
# files, unfinished image copies, root's subuid range, the inotify limit)
# and nothing else (a row
# without files, a 0700 directory, a damaged registry stay failures).
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

knob=/proc/sys/fs/inotify/max_user_instances
inotify_orig=$(cat "$knob")
roots=
holder=
TEST_CLEANUP_EXTRA='doctor_cleanup'
doctor_cleanup() {
	if [ -n "$holder" ]; then
		signal_pid TERM "$holder" sleep >/dev/null 2>&1
	fi
	for r in $roots; do
		for c in $("$SYSCTR" --root "$r" list --format json 2>/dev/null |
			json_get "' '.join(x['name'] for x in d)" 2>/dev/null); do
			"$SYSCTR" --root "$r" destroy -f "$c" >/dev/null 2>&1
		done
		grep -F " $r/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null; done
		rm -rf "$r"
	done
	# --fix raises the host's limit: put back what it was
	[ -n "$inotify_orig" ] && echo "$inotify_orig" >"$knob"
}

# new_root: a fresh root in $r (beside $TROOT) with the tests' sysctr.conf
new_root() {
	r=$(mktemp -d /tmp/sysctr-doctor.XXXXXX)
	roots="$roots $r"
	chmod 0711 "$r"
	mkdir -p "$r/etc/sysctr"
	cp "$TROOT/etc/sysctr/sysctr.conf" "$r/etc/sysctr/sysctr.conf"
}

# run_doctor ROOT [--fix]: its JSON document in $doc, its exit status in
# $doc_rc (a failed check exits 1 and still prints the document), and its
# checks as lines NAME<tab>STATUS<tab>MESSAGE<tab>HINT in $doc_tsv
run_doctor() {
	_rd_root=$1
	shift
	doc=$("$SYSCTR" --root "$_rd_root" doctor --format json "$@" 2>"$check_err")
	doc_rc=$?
	parse_doc
}
parse_doc() {
	doc_tsv=$(printf '%s' "$doc" | json_get "'\\n'.join('\\t'.join([c['name'], c['status'], c['message'], c['hint'] or '']) for c in d['checks'])")
}
# column N CHECK: field N of check CHECK's line in $doc_tsv
column() {
	printf '%s\n' "$doc_tsv" | awk -F '\t' -v n="$2" -v f="$1" '$1 == n { print $f }'
}
st() { column 2 "$1"; }
msg() { column 3 "$1"; }
hint() { column 4 "$1"; }

# has DESC TEXT VALUE: VALUE holds TEXT
has() {
	case $3 in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1: no '$2' in '$3'" ;;
	esac
}

# ---- usage
check_exit "doctor takes no arguments (2)" 2 sysctr doctor extra
check_exit "an unknown option is refused (2)" 2 sysctr doctor --fixx
check_has "help names it" "doctor" sysctr help

# ---- a healthy root: everything that matters here is ok, exit 0
c="${PFX}-ok"
check "create" sysctr create busybox "$c"
# the first start reserves root's subuid range, when the host had none
check "start" sysctr start "$c"
run_doctor "$TROOT"
check_eq "a healthy root exits 0" 0 "$doc_rc"
check_eq "no check fails" 0 "$(printf '%s' "$doc" | json_get "d['fail']")"
for name in userns subuid subgid overlayfs liblxc paths network registry \
	rows leftovers mounts cgroups locks; do
	check_eq "$name is ok" ok "$(st "$name")"
done
for name in cgroup apparmor space inotify; do
	case $(st "$name") in
	ok | warn) ok "$name is there, not failed" ;;
	*) not_ok "$name: $(st "$name"): $(msg "$name")" ;;
	esac
done
has "the network check is skipped with mode none" skipped \
	"$(msg network)"
has "the registry's schema is current" "schema version" \
	"$(msg registry)"
check_eq "the counts add up, every status is known, every key is there" True \
	"$(printf '%s' "$doc" | json_get "sum(d[k] for k in ('ok', 'warn', 'fail', 'fixed')) == len(d['checks']) and all(c['status'] in ('ok', 'warn', 'fail', 'fixed') and sorted(c) == ['hint', 'message', 'name', 'status'] for c in d['checks'])")"
check_eq "an ok check has no hint" True \
	"$(printf '%s' "$doc" | json_get "all(c['hint'] is None for c in d['checks'] if c['status'] == 'ok')")"
n=$(printf '%s' "$doc" | json_get "len(d['checks'])")
check_out "for people: one line per check and a summary" $((n + 1)) \
	count_lines sysctr doctor
check_out "each line starts with its status" 0 sh -c \
	"\"$SYSCTR\" --root \"$TROOT\" doctor | sed '\$d' | grep -cvE '^(ok|warn|fail|fixed) ' || true"
check "stop" sysctr stop -k "$c"

# ---- a leftover directory: warned, and --fix removes it as destroy does
new_root
left="${PFX}-left"
check "create (leftover root)" "$SYSCTR" --root "$r" create busybox "$left"
check "its row goes behind sysctr's back" python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM containers WHERE name = ?", (sys.argv[2],))
db.commit()' "$r/var/lib/sysctr/sysctr.db" "$left"
run_doctor "$r"
check_eq "a leftover is a warning, not a failure (exit 0)" 0 "$doc_rc"
check_eq "leftovers warns" warn "$(st leftovers)"
has "naming it" "$left" "$(msg leftovers)"
has "and --fix in the hint" "--fix" "$(hint leftovers)"
run_doctor "$r" --fix
check_eq "--fix: fixed" fixed "$(st leftovers)"
has "saying so" "fixed: removed the leftover directories of $left" \
	"$(msg leftovers)"
check "its directory is gone" test ! -e "$r/var/lib/sysctr/containers/$left"
check_out "as destroy does: in the history" "leftover files" \
	json_of "[e['detail'] for e in d if e['action'] == 'destroy'][-1]" \
	"$SYSCTR" --root "$r" history "$left" --format json
run_doctor "$r"
check_eq "then leftovers is ok" ok "$(st leftovers)"

# ---- a registry row whose files are gone: a failure --fix leaves alone
new_root
gone="${PFX}-gone"
noconf="${PFX}-noconf"
check "create (rows root)" "$SYSCTR" --root "$r" create busybox "$gone"
check "create another" "$SYSCTR" --root "$r" create busybox "$noconf"
rm -rf "${r:?}/var/lib/sysctr/containers/$gone"
rm -f "$r/var/lib/sysctr/containers/$noconf/container.conf"
run_doctor "$r"
check_eq "a row without files fails (exit 1)" 1 "$doc_rc"
check_eq "rows fails" fail "$(st rows)"
has "naming the one without a directory" "$gone (no directory)" \
	"$(msg rows)"
has "and the one without container.conf" "$noconf (no container.conf)" \
	"$(msg rows)"
has "the hint is destroy -f" "sysctr destroy -f $gone" \
	"$(hint rows)"
run_doctor "$r" --fix
check_eq "--fix does not destroy a registered container (exit 1)" 1 "$doc_rc"
check_eq "rows still fails" fail "$(st rows)"
check "the hint's command" "$SYSCTR" --root "$r" destroy -f "$gone"
check "and for the other" "$SYSCTR" --root "$r" destroy -f "$noconf"
run_doctor "$r"
check_eq "then rows is ok" ok "$(st rows)"
check_eq "and the exit 0" 0 "$doc_rc"

# ---- stale lock files: removed by --fix unless a process holds them
new_root
mine="${PFX}-mine"
check "create (locks root)" "$SYSCTR" --root "$r" create busybox "$mine"
locks="$r/run/sysctr/locks"
check "a registered container has its lock file" test -f "$locks/$mine.lock"
: >"$locks/ghost.lock"
(exec 9>"$locks/held.lock" && flock 9 && exec sleep 60) &
holder=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	flock -n "$locks/held.lock" true 2>/dev/null || break
	sleep 0.2
done
check_exit "held.lock is held by a process" 1 flock -n "$locks/held.lock" true
run_doctor "$r"
check_eq "locks warns" warn "$(st locks)"
has "naming the stale one" ghost "$(msg locks)"
case $(msg locks) in
*held* | *"$mine"*) not_ok "it names the held one or the container's: $(msg locks)" ;;
*) ok "not the held one, nor the container's" ;;
esac
run_doctor "$r" --fix
check_eq "--fix: fixed" fixed "$(st locks)"
has "saying so" "fixed: removed the lock files of ghost" \
	"$(msg locks)"
check "the stale lock file is gone" test ! -e "$locks/ghost.lock"
check "the held one stays" test -e "$locks/held.lock"
check "the container's stays" test -e "$locks/$mine.lock"
signal_pid TERM "$holder" sleep
holder=
check "the container still takes its lock" "$SYSCTR" --root "$r" config set "$mine" resources.pids=100

# ---- mounts left behind: --fix detaches them, deepest first, but not
# those below a running container
new_root
st="${PFX}-stopped"
rn="${PFX}-running"
cts="$r/var/lib/sysctr/containers"
check "create a stopped container" "$SYSCTR" --root "$r" create busybox "$st"
check "and a running one" "$SYSCTR" --root "$r" create busybox "$rn" --start
mkdir -p "$cts/$st/mnt" "$cts/$rn/mnt"
check "a tmpfs below the stopped one's directory" mount -t tmpfs doctor-test "$cts/$st/mnt"
mkdir -p "$cts/$st/mnt/deep"
check "one below that" mount -t tmpfs doctor-test "$cts/$st/mnt/deep"
check "one below the running one's" mount -t tmpfs doctor-test "$cts/$rn/mnt"
run_doctor "$r"
check_eq "mounts warns" warn "$(st mounts)"
has "naming the stale one" "$cts/$st/mnt/deep" "$(msg mounts)"
case $(msg mounts) in
*"$cts/$rn/"*) not_ok "it names the running container's: $(msg mounts)" ;;
*) ok "not the running container's" ;;
esac
run_doctor "$r" --fix
check_eq "--fix: fixed" fixed "$(st mounts)"
has "deepest first" "fixed: detached $cts/$st/mnt/deep, $cts/$st/mnt" \
	"$(msg mounts)"
check "the stale mount is gone" sh -c "! mountpoint -q '$cts/$st/mnt'"
check "the running container's stays" mountpoint -q "$cts/$rn/mnt"
run_doctor "$r"
check_eq "then mounts is ok" ok "$(st mounts)"
umount "$cts/$rn/mnt"

# ---- liblxc cgroups left behind by stopped containers (what a sysctr that
# stayed in the monitor's cgroup made the monitor leave): --fix removes
# those of registered, stopped containers, nothing of another name
new_root
gone="${PFX}-cg" other="${PFX}-cgx"
check "create a stopped container (cgroups root)" "$SYSCTR" --root "$r" create busybox "$gone"
cgroot=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { fs = $(i + 1); break }
	if ((fs == "cgroup" || fs == "cgroup2") && $4 == "/") { print $5; exit } }' /proc/self/mountinfo)
if [ -n "$cgroot" ] && mkdir "$cgroot/lxc.monitor.$gone" 2>/dev/null; then
	check "and its payload cgroup with one below" mkdir -p "$cgroot/lxc.payload.$gone/init.scope"
	check "a monitor cgroup of a name sysctr does not know" mkdir "$cgroot/lxc.monitor.$other"
	run_doctor "$r"
	check_eq "cgroups warns" warn "$(st cgroups)"
	has "counting them" "2 liblxc cgroups of stopped containers" "$(msg cgroups)"
	case $(msg cgroups) in
	*"$other"*) not_ok "it names another's: $(msg cgroups)" ;;
	*) ok "not the other name's" ;;
	esac
	run_doctor "$r" --fix
	check_eq "--fix: fixed" fixed "$(st cgroups)"
	check "the monitor's is gone" test ! -e "$cgroot/lxc.monitor.$gone"
	check "the payload's too, with what was below it" test ! -e "$cgroot/lxc.payload.$gone"
	check "the other name's stays" test -d "$cgroot/lxc.monitor.$other"
	rmdir "$cgroot/lxc.monitor.$other"
	run_doctor "$r"
	check_eq "then cgroups is ok" ok "$(st cgroups)"
else
	not_ok "no cgroup hierarchy to write a test cgroup into (found: ${cgroot:-none})"
fi

# ---- root without a subuid/subgid range. /etc/subuid is the host's, not
# relocated by --root: doctor runs in a mount namespace of its own where
# a file of the test's is bound over it; the host's file is never touched.
if [ -f /etc/subuid ] && [ -f /etc/subgid ]; then
	new_root
	before=$(cat /etc/subuid /etc/subgid | cksum)
	printf 'someone:300000:65536\n' >"$r/subuid"
	printf 'someone:300000:65536\n' >"$r/subgid"
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_ns='mount --make-rprivate / && mount --bind "$1" /etc/subuid &&
		mount --bind "$2" /etc/subgid && shift 2 && exec "$@"'
	ns_doctor() {
		doc=$(unshare -m sh -c "$in_ns" sh "$r/subuid" "$r/subgid" \
			"$SYSCTR" --root "$r" doctor --format json "$@" 2>"$check_err")
		doc_rc=$?
		parse_doc
	}
	ns_doctor
	check_eq "no range for root fails (exit 1)" 1 "$doc_rc"
	check_eq "subuid fails" fail "$(st subuid)"
	check_eq "subgid fails" fail "$(st subgid)"
	has "naming the range" "100000-165535" "$(msg subuid)"
	ns_doctor --fix
	check_eq "--fix: subuid fixed" fixed "$(st subuid)"
	check_eq "--fix: subgid fixed" fixed "$(st subgid)"
	check_out "the range is added as a first start adds it" \
		"someone:300000:65536
root:100000:65536" cat "$r/subuid"
	ns_doctor
	check_eq "then it passes" ok "$(st subuid)"
	printf 'bob:100000:65536\n' >"$r/subuid"
	ns_doctor --fix
	check_eq "another user's overlapping range fails, even with --fix" \
		fail "$(st subuid)"
	has "naming them" bob "$(msg subuid)"
	check_out "and --fix adds nothing" "bob:100000:65536" cat "$r/subuid"
	check_eq "the host's files are as they were" "$before" \
		"$(cat /etc/subuid /etc/subgid | cksum)"
else
	ok "# SKIP the host has no /etc/subuid to bind over (the parser is unit-tested)"
fi

# ---- a damaged registry
new_root
check "create (registry root)" "$SYSCTR" --root "$r" create busybox "${PFX}-db"
db="$r/var/lib/sysctr/sysctr.db"
check "garbage over a page of the history table" python3 -c '
import sqlite3, sys
path = sys.argv[1]
db = sqlite3.connect(path)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
size = db.execute("PRAGMA page_size").fetchone()[0]
page = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                  ("history",)).fetchone()[0]
db.close()
with open(path, "r+b") as f:
    f.seek((page - 1) * size)
    f.write(b"X" * 64)' "$db"
run_doctor "$r"
check_eq "a damaged registry fails (exit 1)" 1 "$doc_rc"
check_eq "registry fails" fail "$(st registry)"
has "naming the file" "$db" "$(msg registry)"
has "the hint is SQLite's rescue" ".recover" "$(hint registry)"
head -c 8192 /dev/urandom >"$db"
rm -f "$db-wal" "$db-shm"
run_doctor "$r"
check_eq "one that cannot be opened is reported too (exit 1)" 1 "$doc_rc"
check_eq "registry fails" fail "$(st registry)"
check_eq "the checks that need it say they could not run" warn \
	"$(st rows)"
check_eq "the host's checks still run" ok "$(st userns)"

# ---- a 0700 directory above the root: named, and --fix changes no mode
hidden=$(mktemp -d /tmp/sysctr-0700.XXXXXX)
roots="$roots $hidden"
hroot="$hidden/root"
mkdir -p "$hroot/etc/sysctr"
cp "$TROOT/etc/sysctr/sysctr.conf" "$hroot/etc/sysctr/sysctr.conf"
run_doctor "$hroot"
check_eq "an unreachable containers directory fails (exit 1)" 1 "$doc_rc"
check_eq "paths fails" fail "$(st paths)"
has "naming the directory and its mode" "$hidden (mode 0700" \
	"$(msg paths)"
has "the hint says what to run" "chmod o+x $hidden" "$(hint paths)"
check_eq "a real overlay mount as the mapped root fails there too" fail \
	"$(st overlayfs)"
run_doctor "$hroot" --fix
check_eq "--fix leaves it failed (exit 1)" 1 "$doc_rc"
check_out "and the mode as it was" 700 stat -c %a "$hidden"
chmod 0711 "$hidden"
run_doctor "$hroot"
check_eq "with the fix applied, paths is ok" ok "$(st paths)"
check_eq "and the overlay mount works" ok "$(st overlayfs)"

# ---- unfinished copies of an image's rootfs (a sysctr killed while it
# shifted one): reported; --fix removes them unless a sysctr holds the
# image's lock; the image itself stays
new_root
iroot=$r
mkdir -p "$iroot/images/busybox-x-amd64.1/rootfs/bin" \
	"$iroot/images/busybox-x-amd64.1/rootfs.idmap-100000-65536.tmp/bin" \
	"$iroot/images/busybox-x-amd64.1/rootfs.tmp/etc"
sed -i "s|^ *images = .*|  images = \"$iroot/images\"|" "$iroot/etc/sysctr/sysctr.conf"
check_out "that root has an image store of its own" 1 grep -c "images = \"$iroot/images\"" "$iroot/etc/sysctr/sysctr.conf"
run_doctor "$iroot"
check_eq "unfinished image copies: a warning" warn "$(st images)"
has "naming the shifted one" "rootfs.idmap-100000-65536.tmp" "$(msg images)"
has "and the other" "busybox-x-amd64.1/rootfs.tmp" "$(msg images)"
mkdir -p "$iroot/images/.locks"
(exec 9>"$iroot/images/.locks/dir-busybox-x-amd64.1.lock" && flock 9 && exec sleep 60) &
holder=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	flock -n "$iroot/images/.locks/dir-busybox-x-amd64.1.lock" true 2>/dev/null || break
	sleep 0.2
done
run_doctor "$iroot" --fix
check_eq "--fix while a sysctr holds the image's lock: still a warning" warn "$(st images)"
check "and both copies are there" test -d "$iroot/images/busybox-x-amd64.1/rootfs.tmp"
signal_pid TERM "$holder" sleep >/dev/null 2>&1
wait "$holder" 2>/dev/null
holder=
run_doctor "$iroot" --fix
check_eq "--fix: fixed" fixed "$(st images)"
check_out "the copies are gone, the image stays" "rootfs" sh -c "ls '$iroot/images/busybox-x-amd64.1' | xargs"
run_doctor "$iroot"
check_eq "then ok" ok "$(st images)"

# ---- the inotify limit: warned below 1024, raised by --fix, restored by
# the cleanup
if echo 128 >"$knob" 2>/dev/null; then
	run_doctor "$TROOT"
	check_eq "128 inotify instances: a warning" warn "$(st inotify)"
	check_eq "which exits 0" 0 "$doc_rc"
	has "the hint says how to keep it" /etc/sysctl.d "$(hint inotify)"
	run_doctor "$TROOT" --fix
	check_eq "--fix: fixed" fixed "$(st inotify)"
	check_out "the limit is 1024" 1024 cat "$knob"
	run_doctor "$TROOT"
	check_eq "then ok" ok "$(st inotify)"
	echo "$inotify_orig" >"$knob"
else
	ok "# SKIP $knob is not writable here"
fi

done_testing
