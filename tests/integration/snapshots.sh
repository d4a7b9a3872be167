#!/bin/sh
# Snapshots on real busybox containers: cut (stopped and running), list,
# restore any of them byte for byte, delete one in the middle, errors, a
# sysctr killed at every step of a restore and of a cut, and destroy.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

build_killat
command -v setcap >/dev/null || skip_all "no setcap (libcap2-bin)"

c="${PFX}-sn"
layers="$TROOT/var/lib/sysctr/containers/.layers"

ct_pid() { sysctr info "$1" --format json | json_get "d['pid']"; }

manifest() { tree_manifest "$1" /srv/t; }

# snap_names NAME: the snapshot names, oldest first, on one line
snap_names() {
	sysctr snapshot list "$1" --format json | json_get "' '.join(x['name'] for x in d)"
}

registry_ok() {
	python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" \
		"$TROOT/var/lib/sysctr/sysctr.db"
}

check "create" sysctr create busybox "$c"
check "start" sysctr start "$c"
check "write a tree with owners, modes, links and a fifo" sysctr exec "$c" -- sh -c '
	mkdir -p /srv/t/d/sub /srv/t/gone && echo one > /srv/t/f &&
	chmod 0640 /srv/t/f && chown 1000:1001 /srv/t/f && ln /srv/t/f /srv/t/hard &&
	ln -s f /srv/t/link && mkfifo /srv/t/fifo && chmod 2755 /srv/t/d &&
	echo s > /srv/t/gone/x && echo deep > /srv/t/d/sub/y &&
	dd if=/dev/urandom of=/srv/t/bin bs=1k count=64 2>/dev/null'
pid=$(ct_pid "$c")
check "an xattr" python3 -c "import os; os.setxattr('/proc/$pid/root/srv/t/f', 'user.note', b'hello', follow_symlinks=False)"
check "a file capability" setcap cap_net_raw+ep "/proc/$pid/root/srv/t/bin"
m1=$(manifest "$c")
case $m1 in *security.capability=*user.note=* | *user.note=*security.capability=*) ok "the manifest sees xattrs and capabilities" ;; *) not_ok "manifest: $m1" ;; esac

# --- a cut of a stopped container is a rename: no copy --------------------
check "stop" sysctr stop -k "$c"
upper="$TROOT/var/lib/sysctr/containers/$c/overlay/delta"
ino_before=$(stat -c %i "$upper")
check_out "snapshot create (stopped) names it" "$c: snapshot create: one" sysctr snapshot create "$c" one -m "the first"
layer_one=$(find "$layers" -mindepth 1 -maxdepth 1 -printf '%f\n')
check_eq "the upper became the layer (same inode: renamed, not copied)" "$ino_before" "$(stat -c %i "$layers/$layer_one/fs")"
check_out "the new upper is empty" 0 sh -c "ls -A '$upper' | wc -l"
check_out "list: one, current, with its comment" "one True the first manual" json_of "' '.join(str(x) for x in (d[0]['name'], d[0]['current'], d[0]['comment'], d[0]['kind']))" sysctr snapshot list "$c" --format json

check "start over the layer" sysctr start "$c"
check_out "same content over the layer" "$m1" manifest "$c"

# --- change things; a cut of the running container ---------------------
check "change, delete, add" sysctr exec "$c" -- sh -c '
	echo two > /srv/t/f && chmod 0600 /srv/t/hard && rm -rf /srv/t/gone &&
	rm /srv/t/link && echo new > /srv/t/n && chown 7:7 /srv/t/n &&
	rm -rf /srv/t/d/sub'
m2=$(manifest "$c")
if [ "$m1" != "$m2" ]; then ok "the tree changed"; else not_ok "the tree did not change"; fi
check_has "snapshot of a running container says how long it was frozen" "frozen for" sysctr snapshot create "$c" two
check_out "still running after the cut" RUNNING json_of "d['state']" sysctr info "$c" --format json
# a container left frozen blocks exec: its state alone would not tell
check "and thawed: exec answers" timeout 20 "$SYSCTR" --root "$TROOT" exec "$c" -- true
check_out "unchanged by the cut" "$m2" manifest "$c"

check "third change" sysctr exec "$c" -- sh -c 'echo three > /srv/t/f; mkdir /srv/t/three'
m3=$(manifest "$c")
check "stop" sysctr stop -k "$c"
check "snapshot three" sysctr snapshot create "$c" three
check_out "three snapshots, oldest first" "one two three" snap_names "$c"

# --- restore any of them ------------------------------------------------
check_exit "restore of a running container needs --force (4)" 4 sh -c "'$SYSCTR' --root '$TROOT' start '$c' >/dev/null && '$SYSCTR' --root '$TROOT' snapshot restore '$c' one"
check "restore the oldest with --force" sysctr snapshot restore "$c" one --force
check "start" sysctr start "$c"
check_out "the oldest, byte for byte" "$m1" manifest "$c"
check_out "newer snapshots are still there (and a safety one)" "one two three safety-" sh -c "'$SYSCTR' --root '$TROOT' snapshot list '$c' --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(\" \".join(x[\"name\"] if x[\"kind\"] != \"safety\" else \"safety-\" for x in d))'"
check_out "one is current" one json_of "[x['name'] for x in d if x['current']][0]" sysctr snapshot list "$c" --format json
check "stop" sysctr stop -k "$c"
check "restore three, newer than the current state" sysctr snapshot restore "$c" three
check "start" sysctr start "$c"
check_out "three, byte for byte" "$m3" manifest "$c"

# --- delete the one in the middle; the others stay whole ----------------
check "stop" sysctr stop -k "$c"
check "delete two (the middle one)" sysctr snapshot delete "$c" two
check_out "two is gone" "one three" sh -c "'$SYSCTR' --root '$TROOT' snapshot list '$c' --format json | python3 -c 'import json,sys; print(\" \".join(x[\"name\"] for x in json.load(sys.stdin) if x[\"kind\"] == \"manual\"))'"
check "restore one" sysctr snapshot restore "$c" one
check "start" sysctr start "$c"
check_out "one is whole" "$m1" manifest "$c"
check "stop" sysctr stop -k "$c"
check "restore three" sysctr snapshot restore "$c" three
check "start" sysctr start "$c"
check_out "three is whole" "$m3" manifest "$c"
check "stop" sysctr stop -k "$c"

# --- a registry write refused after the commit: the restore is made -------
# Once committed a restore stands; the renames and the clearing of
# `pending` after the commit are what the next command redoes. A registry
# that refuses that last write (as a full disk does, see
# snapshot-full-disk.sh; a trigger here) must not make restore report as
# failed what it did: a caller would restore again.
db="$TROOT/var/lib/sysctr/sysctr.db"
sql_script() { python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).executescript(sys.argv[2])' "$db" "$1"; }
pending() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT coalesce(pending, \"-\") FROM containers WHERE name = ?", (sys.argv[2],)).fetchone()[0].split(" ")[0])' "$db" "$c"; }
check "a registry that refuses to clear pending" sql_script "CREATE TRIGGER test_keep_pending BEFORE UPDATE OF pending ON containers WHEN NEW.pending IS NULL BEGIN SELECT RAISE(ABORT, 'test: pending stays'); END;"
check_has "restore one succeeds, with a warning" "the next command on it finishes the switch" sysctr snapshot restore "$c" one
check_out "its switch is left pending" freeze pending
check "the registry lets go" sql_script "DROP TRIGGER test_keep_pending;"
check "the next command finishes it" sysctr start "$c"
check_out "nothing is pending" - pending
check_out "one, byte for byte" "$m1" manifest "$c"
check "stop" sysctr stop -k "$c"
check_out "registry integrity" ok registry_ok

# --- errors ----------------------------------------------------------------
check_exit "a bad snapshot name is a usage error (2)" 2 sysctr snapshot create "$c" "../x"
check_exit "an existing name is refused (4)" 4 sysctr snapshot create "$c" one
check_exit "restore of a missing snapshot: not found (3)" 3 sysctr snapshot restore "$c" nosuch
check_exit "delete of a missing snapshot: not found (3)" 3 sysctr snapshot delete "$c" nosuch
check_exit "a missing container: not found (3)" 3 sysctr snapshot create "${PFX}-nosuch"
check_exit "an unknown subcommand is a usage error (2)" 2 sysctr snapshot frob "$c"
check "a container made with --copy" sysctr create busybox "${c}cp" --copy
check_exit "has no layers to snapshot (4)" 4 sysctr snapshot create "${c}cp"
check_has "and says why" "full copy" sh -c "'$SYSCTR' --root '$TROOT' snapshot create '${c}cp'; true"
check "destroy it" sysctr destroy "${c}cp"

# --- killed at every step of a restore: as before, or as the snapshot -----
# A restore makes the fresh upper (delta.next) and the layer's directory
# (layer.next), commits, then moves layer.next into the layer store
# (rename 1), the upper into it (rename 2) and the fresh upper into place
# (rename 3).
kill_points="mkdir:delta.next mkdir:layer.next rename:1 rename:2 rename:3"
for at in $kill_points; do
	check "stop ($at)" sh -c "'$SYSCTR' --root '$TROOT' stop -k '$c' >/dev/null 2>&1; true"
	check "restore three first ($at)" sysctr snapshot restore "$c" three
	check_exit "restore of one killed at $at" 137 env SYSCTR_TEST_KILL="$at" LD_PRELOAD="$killat" "$SYSCTR" --root "$TROOT" snapshot restore "$c" one
	check "start after the kill ($at)" sysctr start "$c"
	got=$(manifest "$c")
	case $at in
	mkdir:*) want=$m3 what="as before" ;;
	*) want=$m1 what="as the snapshot" ;;
	esac
	check_eq "killed at $at: $what" "$want" "$got"
	check_out "registry integrity ($at)" ok registry_ok
	check_out "nothing half-made left ($at)" 0 sh -c "ls -d '$TROOT/var/lib/sysctr/containers/$c/overlay/'*.* 2>/dev/null | wc -l"
done

# --- killed during a cut of a stopped container ---------------------------
check "stop" sysctr stop -k "$c"
k=0
for at in $kill_points; do
	k=$((k + 1))
	before=$(snap_names "$c")
	check_exit "snapshot create killed at $at" 137 env SYSCTR_TEST_KILL="$at" LD_PRELOAD="$killat" "$SYSCTR" --root "$TROOT" snapshot create "$c" "k$k"
	check "a later command finishes or clears it ($at)" sysctr snapshot list "$c"
	check "start ($at)" sysctr start "$c"
	check_out "the content is the last restored one ($at)" "$m1" manifest "$c"
	check "stop ($at)" sysctr stop -k "$c"
	case $at in
	mkdir:*) check_out "no snapshot was made ($at)" "$before" snap_names "$c" ;;
	*) check_out "the snapshot exists ($at)" "k$k" sh -c "'$SYSCTR' --root '$TROOT' snapshot list '$c' --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1][\"name\"])'" ;;
	esac
	check_out "registry integrity ($at)" ok registry_ok
done

# --- a layer without a row (a removal killed after its commit) is swept ------
check "an orphan layer directory" mkdir -p "$layers/0123456789abcdef/fs"
check "a snapshot delete" sysctr snapshot delete "$c" three
check_out "sweeps it" 0 sh -c "ls -d '$layers/0123456789abcdef' 2>/dev/null | wc -l"
check "the container still starts" sysctr start "$c"
check_out "whole" "$m1" manifest "$c"
check "stop" sysctr stop -k "$c"

# --- history, destroy ------------------------------------------------------
check_has "history records the snapshot actions" "snapshot create" sysctr history "$c"
check_has "and the restores" "snapshot restore" sysctr history "$c"
check_has "and the deletes" "snapshot delete" sysctr history "$c"
check "destroy" sysctr destroy "$c"
check_out "its layers are gone with it" 0 sh -c "find '$layers' -mindepth 1 -maxdepth 1 | wc -l"
check_out "and its snapshots" 0 python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM snapshots').fetchone()[0])" "$TROOT/var/lib/sysctr/sysctr.db"

done_testing
