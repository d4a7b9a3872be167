#!/bin/sh
# Clones on real busybox containers: of a stopped container (no copy), of
# a running one, of a snapshot; each side's changes stay its own; the
# source's destroy keeps what the clone uses; errors; a sysctr killed at
# each step of a clone.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

build_killat

src="${PFX}-src"
layers="$TROOT/var/lib/sysctr/containers/.layers"

layer_count() { find "$layers" -mindepth 1 -maxdepth 1 | wc -l; }
read_file() { sysctr exec "$1" -- cat "$2"; }

check "create the source" sysctr create busybox "$src"
check "start" sysctr start "$src"
check "write in it" sysctr exec "$src" -- sh -c 'echo from-src > /root/a; mkdir /root/d; echo deep > /root/d/b'
check "stop" sysctr stop -k "$src"

# --- of a stopped container: its upper becomes a shared layer, no copy ------
upper="$TROOT/var/lib/sysctr/containers/$src/overlay/delta"
ino=$(stat -c %i "$upper")
check_out "clone of a stopped container" "$src: clone: ${PFX}-c1" sysctr clone "$src" "${PFX}-c1"
check_out "the source's upper is now a layer (no copy)" "$ino" sh -c "stat -c %i '$layers'/*/fs"
check "start the clone" sysctr start "${PFX}-c1"
check_out "the clone has the source's files" from-src read_file "${PFX}-c1" /root/a
check_out "and its own hostname" "${PFX}-c1" sysctr exec "${PFX}-c1" -- hostname
check "start the source" sysctr start "$src"
check_out "the source is as it was" from-src read_file "$src" /root/a
check_out "and keeps its hostname" "$src" sysctr exec "$src" -- hostname

# --- independent both ways -------------------------------------------------
check "change the clone" sysctr exec "${PFX}-c1" -- sh -c 'echo from-clone > /root/a; rm -rf /root/d'
check "change the source" sysctr exec "$src" -- sh -c 'echo src-again > /root/new'
check_out "the source does not see the clone's change" from-src read_file "$src" /root/a
check_out "nor its delete" deep read_file "$src" /root/d/b
check_exit "the clone does not see the source's new file" 1 sysctr exec "${PFX}-c1" -- test -e /root/new

# --- of a running container ---------------------------------------------
check_has "clone of a running container says how long it was frozen" "frozen for" sysctr clone "$src" "${PFX}-c2"
check_out "the source still runs" RUNNING json_of "d['state']" sysctr info "$src" --format json
check "and is thawed: exec answers" timeout 20 "$SYSCTR" --root "$TROOT" exec "$src" -- true
check "start the second clone" sysctr start "${PFX}-c2"
check_out "it has the source's latest file" src-again read_file "${PFX}-c2" /root/new

# --- of a snapshot -----------------------------------------------------------
check "stop the source" sysctr stop -k "$src"
check "snapshot it" sysctr snapshot create "$src" s1
check "start, change" sh -c "'$SYSCTR' --root '$TROOT' start '$src' >/dev/null && '$SYSCTR' --root '$TROOT' exec '$src' -- sh -c 'echo after-s1 > /root/a'"
check "clone of the snapshot" sysctr clone "$src" "${PFX}-c3" --snapshot s1
check "start it" sysctr start "${PFX}-c3"
check_out "it is the snapshot, not the current state" from-src read_file "${PFX}-c3" /root/a

# --- errors --------------------------------------------------------------------
check_exit "to a name that exists: state (4)" 4 sysctr clone "$src" "${PFX}-c1"
check_exit "to itself: usage (2)" 2 sysctr clone "$src" "$src"
check_exit "to a bad name: usage (2)" 2 sysctr clone "$src" "-bad"
check_exit "of a missing container: not found (3)" 3 sysctr clone "${PFX}-nosuch" "${PFX}-c9"
check_exit "of a missing snapshot: not found (3)" 3 sysctr clone "$src" "${PFX}-c9" --snapshot nosuch
check_out "and nothing of the failed clones stays" 0 sh -c "ls -d '$TROOT/var/lib/sysctr/containers/'*c9* '$TROOT/var/lib/sysctr/containers/'.new-* 2>/dev/null | wc -l"

# --- the source's destroy keeps what the clones use ----------------------
check "stop everything" sh -c "for c in '$src' '${PFX}-c1' '${PFX}-c2' '${PFX}-c3'; do '$SYSCTR' --root '$TROOT' stop -k \$c >/dev/null 2>&1; done; true"
check "destroy the source" sysctr destroy "$src"
for c in c1 c2 c3; do
	check "the clone $c still starts" sysctr start "${PFX}-$c"
done
check_out "c1 keeps its own change" from-clone read_file "${PFX}-c1" /root/a
check_out "c3 keeps the snapshot's content" from-src read_file "${PFX}-c3" /root/a
check "destroy the clones" sh -c "for c in c1 c2 c3; do '$SYSCTR' --root '$TROOT' destroy -f '${PFX}-'\$c || exit 1; done"
check_out "no layer is left" 0 layer_count

# --- killed at each step of a clone of a stopped container ---------------------
# The clone writes its container.conf (rename 1), makes the source's fresh
# upper (delta.next) and the layer's directory (layer.next), then commits,
# renaming the clone's directory into place (rename 2) just before; then
# it moves the layer's directory (rename 3), the source's upper (rename 4)
# and the fresh upper (rename 5).
check "a new source" sysctr create busybox "$src"
check "with a file" sh -c "'$SYSCTR' --root '$TROOT' start '$src' >/dev/null && '$SYSCTR' --root '$TROOT' exec '$src' -- sh -c 'echo kept > /root/k' && '$SYSCTR' --root '$TROOT' stop -k '$src' >/dev/null"
n=0
for at in rename:1 mkdir:delta.next mkdir:layer.next rename:2 rename:3 rename:4 rename:5; do
	n=$((n + 1))
	dst="${PFX}-k$n"
	check_exit "clone killed at $at" 137 env SYSCTR_TEST_KILL="$at" LD_PRELOAD="$killat" "$SYSCTR" --root "$TROOT" clone "$src" "$dst"
	case $at in
	mkdir:* | rename:1 | rename:2)
		check_exit "no clone was made ($at)" 3 sysctr info "$dst"
		;;
	*)
		# the clone starts first: it finishes the source's switch
		check "the clone starts ($at)" sysctr start "$dst"
		check_out "with the source's file ($at)" kept read_file "$dst" /root/k
		check "stop it" sysctr stop -k "$dst"
		;;
	esac
	check "the source starts ($at)" sysctr start "$src"
	check_out "the source is whole ($at)" kept read_file "$src" /root/k
	check "stop the source" sysctr stop -k "$src"
done

# --- a registry commit that fails after the clone's directory moved in -------
# The clone's directory is renamed into place inside its transaction, just
# before the COMMIT. A deferred foreign key that the clone's row breaks
# makes that COMMIT fail (SQLite checks deferred keys only there): nothing
# of the clone may stay (no directory, no row, no history, no layer), the
# source is as it was and the registry is whole. Of a stopped source (its
# upper would become a layer), of a snapshot, of a running source.
db="$TROOT/var/lib/sysctr/sysctr.db"
cdir="$TROOT/var/lib/sysctr/containers"
sql() { # sql STATEMENTS: run them (a script); print the first column of the last one's rows
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
*script, last = [x for x in sys.argv[2].split(";") if x.strip()]
c.executescript(";".join(script) + ";")
rows = c.execute(last).fetchall()
c.commit()
print(" ".join(str(r[0]) for r in rows))' "$db" "$1"
}
check "a trap in the registry: a deferred key that a clone's row breaks" sql "
	CREATE TABLE test_fail (ct INTEGER REFERENCES containers(id) DEFERRABLE INITIALLY DEFERRED);
	CREATE TRIGGER test_fail_clone AFTER INSERT ON containers WHEN NEW.name LIKE '%-cf%'
	BEGIN INSERT INTO test_fail VALUES (-1); END;
	SELECT 1"
check "a snapshot to clone" sysctr snapshot create "$src" s-cf
upper_ino=$(stat -c %i "$upper")
for how in stopped snapshot running; do
	dst="${PFX}-cf-$how"
	nlayers=$(layer_count)
	rows_before=$(sql "SELECT count(*) FROM layers")
	stack_before=$(sql "SELECT group_concat(layer_id) FROM (SELECT layer_id FROM container_layers c JOIN containers k ON k.id = c.container_id WHERE k.name = '$src' ORDER BY pos)")
	case $how in
	stopped) set -- ;;
	snapshot) set -- --snapshot s-cf ;;
	running) set -- ;;
	esac
	if [ "$how" = running ]; then check "start the source" sysctr start "$src"; fi
	check_exit "clone ($how): its commit fails (1)" 1 sysctr clone "$src" "$dst" "$@"
	check_out "no directory of it is left ($how)" 0 sh -c "ls -d '$cdir/$dst' '$cdir/.new-$dst'.* 2>/dev/null | wc -l"
	check_out "no row ($how)" 0 sql "SELECT count(*) FROM containers WHERE name = '$dst'"
	check_out "no history row of a clone that is not ($how)" 0 sql "SELECT count(*) FROM history WHERE container = '$dst' AND outcome = 'ok'"
	check_exit "it is no container ($how)" 3 sysctr info "$dst"
	check_out "list names no stray directory ($how)" "" sh -c "'$SYSCTR' --root '$TROOT' list 2>&1 >/dev/null"
	check_out "no layer directory was added ($how)" "$nlayers" layer_count
	check_out "no layer row was added ($how)" "$rows_before" sql "SELECT count(*) FROM layers"
	check_out "the source's stack is as it was ($how)" "$stack_before" sql "SELECT group_concat(layer_id) FROM (SELECT layer_id FROM container_layers c JOIN containers k ON k.id = c.container_id WHERE k.name = '$src' ORDER BY pos)"
	check_out "nothing is pending for the source ($how)" None sql "SELECT pending FROM containers WHERE name = '$src'"
	check_out "the source has no half-made layer ($how)" 0 sh -c "ls -d '$cdir/$src/overlay/'*.next '$cdir/$src/overlay/snap.copy' 2>/dev/null | wc -l"
	if [ "$how" != running ]; then
		check_out "the source's upper is still its own ($how)" "$upper_ino" stat -c %i "$upper"
		check "the source starts ($how)" sysctr start "$src"
	fi
	check_out "the source is whole ($how)" kept read_file "$src" /root/k
	check "stop the source ($how)" sysctr stop -k "$src"
	check_out "the registry is whole ($how)" ok sql "PRAGMA integrity_check"
	check_out "and its keys hold ($how)" "" sql "PRAGMA foreign_key_check"
done
check "remove the trap" sql "DROP TRIGGER test_fail_clone; DROP TABLE test_fail; SELECT 1"
check_out "then the clone is made" "$src: clone: ${PFX}-cf-stopped" sysctr clone "$src" "${PFX}-cf-stopped"
check "and starts" sysctr start "${PFX}-cf-stopped"
check_out "with the source's file" kept read_file "${PFX}-cf-stopped" /root/k
check "stop it" sysctr stop -k "${PFX}-cf-stopped"

done_testing
