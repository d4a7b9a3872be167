#!/bin/sh
# A full disk during `snapshot restore` leaves the container as it was or
# makes it the snapshot, never a mix. Everything sysctr keeps under the
# test's --root/var (registry, containers, layers, logs) is on a 64 MiB
# ext4 of its own, filled to the last block: the restore fails with one
# clear line, the container's stack, files and snapshots and the registry
# are as before. Then the disk is freed a few blocks at a time and the
# restore tried again at each level, until it succeeds: every failure
# leaves everything as before, and the success is the snapshot. With room
# again, a restore works.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

command -v mkfs.ext4 >/dev/null || skip_all "no mkfs.ext4 (e2fsprogs)"
command -v losetup >/dev/null || skip_all "no losetup (mount)"

c="${PFX}-fd"
state="$TROOT/var"
img="$TROOT/disk.img"
loop=
ctdir="$state/lib/sysctr/containers/$c"
layers="$state/lib/sysctr/containers/.layers"
db="$state/lib/sysctr/sysctr.db"

# lib.sh's cleanup unmounts (lazily) what is below the root before it
# removes it; this detaches the loop device after that, even on failure.
disk_cleanup() {
	if mountpoint -q "$state" 2>/dev/null; then
		umount "$state" 2>/dev/null || umount -l "$state"
	fi
	if [ -n "$loop" ]; then losetup -d "$loop" 2>/dev/null; fi
	rm -f "$img"
}
TEST_CLEANUP_EXTRA='disk_cleanup'

mkdir -p "$state"
truncate -s 64M "$img" || skip_all "cannot make a disk image"
mkfs.ext4 -q -F -b 4096 -m 0 "$img" >/dev/null 2>&1 || skip_all "mkfs.ext4 failed"
loop=$(losetup --find --show "$img") || skip_all "no free loop device"
mount "$loop" "$state" || skip_all "cannot mount $loop"
# the container's mapped root must search every directory above its rootfs
chmod 0711 "$state"

# sql QUERY: the first column of its rows, space-separated. Read from a
# copy outside the small disk: the registry's WAL index (sysctr.db-shm) is
# made again by the first connection, and a full disk refuses that to any
# reader, this one too.
sql() {
	mkdir -p "$TROOT/copy" &&
		rm -f "$TROOT/copy/"* &&
		cp "$db" "$TROOT/copy/sysctr.db" &&
		if [ -e "$db-wal" ]; then cp "$db-wal" "$TROOT/copy/sysctr.db-wal"; fi &&
		python3 -c 'import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall()
print(" ".join(str(r[0]) for r in rows))' "$TROOT/copy/sysctr.db" "$1"
}
view() { tree_manifest "$c" /srv/t && tree_manifest "$c" /etc; }
# what the registry says of the container and its layers, and which files
# its switch would leave behind
registry_state() {
	sql "SELECT group_concat(l.name) FROM (SELECT layer_id FROM container_layers x JOIN containers k ON k.id = x.container_id WHERE k.name = '$c' ORDER BY pos) s JOIN layers l ON l.id = s.layer_id" &&
		sql "SELECT coalesce(pending, '-') || ' ' || coalesce(based_on, '-') FROM containers WHERE name = '$c'" &&
		sql "SELECT s.name || ':' || s.kind FROM snapshots s JOIN containers k ON k.id = s.container_id WHERE k.name = '$c' ORDER BY s.id" &&
		sql "SELECT name FROM layers ORDER BY name"
}
files_state() {
	ls -a "$ctdir/overlay" && ls -a "$layers"
}
# fill: write until the disk says no more, in big then small pieces
# (ext4 reserves blocks for delayed allocation and gives back what the
# writeback did not need: the tail is topped up after each sync until the
# disk stays full)
fill() {
	dd if=/dev/zero of="$state/filler" bs=1M 2>/dev/null
	_fill_try=0
	while [ "$_fill_try" -lt 5 ]; do
		dd if=/dev/zero bs=4k 2>/dev/null >>"$state/filler.tail"
		sync
		[ "$(avail_kb)" = 0 ] && break
		_fill_try=$((_fill_try + 1))
	done
}
avail_kb() { df -k --output=avail "$state" | tail -n 1 | tr -d ' '; }

check "create" sysctr create busybox "$c"
check "start" sysctr start "$c"
check "files for the snapshot" sysctr exec "$c" -- sh -c 'mkdir -p /srv/t && echo one > /srv/t/a && echo keep > /srv/t/k && dd if=/dev/urandom of=/srv/t/blob bs=1k count=256 2>/dev/null'
m_snap=$(view)
check "stop" sysctr stop -k "$c"
check "snapshot s1" sysctr snapshot create "$c" s1
check "start again" sysctr start "$c"
check "change files" sysctr exec "$c" -- sh -c 'echo two > /srv/t/a && rm /srv/t/k && echo new > /srv/t/n && rm /etc/shells && dd if=/dev/urandom of=/srv/t/blob2 bs=1k count=512 2>/dev/null'
m_before=$(view)
check "stop before the restore" sysctr stop -k "$c"
if [ "$m_before" = "$m_snap" ]; then not_ok "the change changed the view"; fi
reg_before=$(registry_state)
files_before=$(files_state)

# try_restore LEVEL: one restore; sets restored=1 when it succeeded, else
# checks that it failed with one clear line and changed nothing
restored=0
try_restore() {
	_out=$("$SYSCTR" --root "$TROOT" snapshot restore "$c" s1 2>&1 >/dev/null)
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		restored=1
		ok "restore with $1 free succeeded"
		if [ -n "$_out" ]; then printf '%s\n' "$_out" | sed 's/^/# /'; fi
		return
	fi
	check_eq "restore with $1 free fails (1)" 1 "$_rc"
	check_eq "with one line of error ($1)" 1 "$(err_lines "$_out")"
	# on a disk too full for the registry's WAL index even its open
	# fails, before the container is looked at
	case $_out in
	"sysctr: $c: "* | "sysctr: open registry "*) ok "a clear error ($1): $_out" ;;
	*) not_ok "the error names neither the container nor the registry ($1): $_out" ;;
	esac
	check_out "the registry and the stack are as before ($1)" "$reg_before" registry_state
	check_out "no file of the switch is left ($1)" "$files_before" files_state
	check_out "the registry is whole ($1)" ok sql "PRAGMA integrity_check"
}

fill
check_out "the disk is full" 0 avail_kb
# (should a restore ever need no block at all, it succeeds here, and the
# checks after the loop below want the snapshot: as before or as the
# snapshot, never a mix)
try_restore "0 blocks"
if [ "$restored" = 0 ]; then
	# its files themselves: a start needs room (it writes the liblxc
	# config), so free the disk for the look, then fill it again
	rm -f "$state/filler" "$state/filler.tail"
	check "start after the failed restore" sysctr start "$c"
	check_out "its files are as before the restore, byte for byte" "$m_before" view
	check "stop" sysctr stop -k "$c"
	reg_before=$(registry_state)
	files_before=$(files_state)
	fill
	check_out "the disk is full again" 0 avail_kb
fi

# free_blocks N: give back about N blocks of 4 KiB
free_blocks() {
	for _f in "$state/filler.tail" "$state/filler"; do
		_size=$(stat -c %s "$_f") || return 1
		if [ "$_size" -ge $(($1 * 4096)) ]; then
			truncate -s $((_size - $1 * 4096)) "$_f"
			sync
			return
		fi
		rm -f "$_f"
	done
}

# free a few blocks at a time: each step of the restore (its directories,
# the registry's write-ahead log) meets the full disk in turn
freed=0
for blocks in 1 1 1 1 2 2 4 4 8 8 16 32 64 128 256 512; do
	[ "$restored" = 1 ] && break
	free_blocks "$blocks"
	freed=$((freed + blocks))
	try_restore "$freed blocks"
done

rm -f "$state/filler" "$state/filler.tail"
if [ "$restored" = 1 ]; then
	check "start the restored container" sysctr start "$c"
	check_out "it is the snapshot, byte for byte" "$m_snap" view
	check_out "its state before is the one safety snapshot" 1 sql "SELECT count(*) FROM snapshots s JOIN containers k ON k.id = s.container_id WHERE k.name = '$c' AND s.kind = 'safety'"
	check_out "nothing is left pending after the next command" - sql "SELECT coalesce(pending, '-') FROM containers WHERE name = '$c'"
	# the failures before it changed nothing: the state it left, its
	# safety snapshot, is the state before them
	check "stop" sysctr stop -k "$c"
	safety=$(sql "SELECT s.name FROM snapshots s JOIN containers k ON k.id = s.container_id WHERE k.name = '$c' AND s.kind = 'safety'")
	check "restore its safety snapshot" sysctr snapshot restore "$c" "$safety"
	check "start" sysctr start "$c"
	check_out "which is the state before the failed restores, byte for byte" "$m_before" view
else
	not_ok "no restore succeeded with $freed blocks freed"
	check "start" sysctr start "$c"
	check_out "its files are as before the restore" "$m_before" view
fi
check_out "the registry is whole" ok python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$db"

# with room again: change it and restore, which works
check "change it again" sysctr exec "$c" -- sh -c 'echo three > /srv/t/a'
check "stop" sysctr stop -k "$c"
check "with room, the restore works" sysctr snapshot restore "$c" s1
check "start" sysctr start "$c"
check_out "it is the snapshot" "$m_snap" view
check "stop" sysctr stop -k "$c"
check "destroy" sysctr destroy "$c"

done_testing
