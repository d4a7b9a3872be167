#!/bin/sh
# The registry row is the one answer to "does this container exist?". A
# container directory without its row (what a destroy or create that could
# not finish leaves) is a leftover: every command but destroy and create
# answers "no such container" (exit 3) for its name and changes nothing,
# list leaves it out and names it on stderr, destroy removes it.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

db="$TROOT/var/lib/sysctr/sysctr.db"
ctdir="$TROOT/var/lib/sysctr/containers"
c="${PFX}-left"

check "create" sysctr create busybox "$c"
check "its row goes behind sysctr's back" python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM containers WHERE name = ?", (sys.argv[2],))
db.commit()' "$db" "$c"
check "its directory and container.conf stay" test -f "$ctdir/$c/container.conf"
conf_before=$(cat "$ctdir/$c/container.conf")
config_sets() {
	sysctr history "$c" --format json |
		json_get "len([e for e in d if e['action'] == 'config set'])"
}

for cmd in start stop restart freeze unfreeze info shell console; do
	check_exit "$cmd of a leftover is not found (3)" 3 sysctr "$cmd" "$c"
done
check_exit "exec in a leftover is not found (3)" 3 sysctr exec "$c" -- true
check_exit "config show of a leftover is not found (3)" 3 \
	sysctr config show "$c"
check_exit "config edit of a leftover is not found (3)" 3 \
	env EDITOR=true "$SYSCTR" --root "$TROOT" config edit "$c"
check_exit "config get of a leftover is not found (3)" 3 \
	sysctr config get "$c" resources.memory
check_exit "config set of a leftover is not found (3)" 3 \
	sysctr config set "$c" resources.memory=64M
check_eq "config set left container.conf as it was" "$conf_before" \
	"$(cat "$ctdir/$c/container.conf")"
check_eq "and wrote no history" 0 "$(config_sets)"
err=$(sysctr stop "$c" 2>&1)
check_eq "stop says so" "sysctr: $c: no such container" "$err"

out=$(sysctr list --format json 2>"$TROOT/list.err")
check_eq "list --format json is still one array, without it" 0 \
	"$(printf '%s' "$out" | json_get "len([x for x in d if x['name'] == '$c'])")"
check "list names the leftover on stderr" \
	grep -q "warning: $c: leftover directory" "$TROOT/list.err"
check_eq "list in a table leaves it out" "" \
	"$(sysctr list 2>/dev/null | awk -v c="$c" '$1 == c')"
check_eq "list -q says nothing of it" "" "$(sysctr -q list 2>&1 >/dev/null)"

check "destroy removes the leftover" sysctr destroy "$c"
check "its directory is gone" test ! -e "$ctdir/$c"
check_eq "list has nothing to say then" "" "$(sysctr list 2>&1 >/dev/null)"

done_testing
