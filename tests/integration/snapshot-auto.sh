#!/bin/sh
# Scheduled snapshots: `snapshot auto` with the clock driven by --now, the
# tiered retention that never prunes a snapshot made by hand, one broken
# container not stopping the others, and the timer and service units.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

command -v systemd-analyze >/dev/null || skip_all "no systemd-analyze (systemd)"
# the periods are local time: fix the zone
TZ=UTC
export TZ

c="${PFX}-au"
other="${PFX}-no"
broken="${PFX}-br"

names() { # NAME KIND: the snapshot names of one kind, oldest first
	sysctr snapshot list "$1" --format json |
		json_get "' '.join(x['name'] for x in d if x['kind'] == '$2')"
}

check "create" sysctr create busybox "$c"
check "a container without a schedule" sysctr create busybox "$other"
check "schedule hourly, keep 2 hours and 1 day" sysctr config set "$c" \
	snapshots.schedule=hourly snapshots.keep_hourly=2 \
	snapshots.keep_daily=1 snapshots.keep_weekly=0
check "a snapshot made by hand" sysctr snapshot create "$c" byhand

check_out "10:05: one is due" "$c: snapshot auto: took auto-20261201-1005" sysctr snapshot auto --now 2026-12-01T10:05
check_out "10:40: nothing due in the same hour" "$c: snapshot auto: nothing due" sysctr -v -v snapshot auto --now 2026-12-01T10:40
# -vv logs each read of a snapshot list; check_out leaves the stderr in
# $check_err, which the next check_out overwrites
cp "$check_err" "$TROOT/run.err"
check_out "the run read its snapshot list once" 1 grep -c "registry: read the snapshots" "$TROOT/run.err"
check_out "11:05: due" "$c: snapshot auto: took auto-20261201-1105" sysctr snapshot auto --now 2026-12-01T11:05
# hourly keeps the two newest hours; the day's newest is one of them, so
# keep_daily has nothing more to keep on day 1 (each counted once)
# the list is read once, before the cut: the snapshot taken counts as one
# of the two hours kept
check_out "12:05: 10:05 goes" "$c: snapshot auto: took auto-20261201-1205, pruned auto-20261201-1005" sysctr -v -v snapshot auto --now 2026-12-01T12:05
cp "$check_err" "$TROOT/run.err"
check_out "a run that takes and prunes read the list once" 1 grep -c "registry: read the snapshots" "$TROOT/run.err"
check_out "13:05: 11:05 goes" "$c: snapshot auto: took auto-20261201-1305, pruned auto-20261201-1105" sysctr snapshot auto --now 2026-12-01T13:05
check_out "what is left" "auto-20261201-1205 auto-20261201-1305" names "$c" auto
check_out "the one made by hand stays" byhand names "$c" manual
check_out "the other container has none" "" names "$other" auto
# a run missed for hours is made up by the next one: one snapshot, now
check_out "next day, a run after a gap" "$c: snapshot auto: took auto-20261202-0900, pruned auto-20261201-1205" sysctr snapshot auto --now 2026-12-02T09:00
# day 2 is covered by the hourly ones now: keep_daily keeps day 1's newest
check_out "json says what was taken and pruned" "auto-20261202-1000 []" json_of "str(d[0]['taken']) + ' ' + str(d[0]['pruned'])" sysctr snapshot auto --now 2026-12-02T10:00 --format json
check_out "day 1's newest stays as the daily one" "auto-20261201-1305 auto-20261202-0900 auto-20261202-1000" names "$c" auto
check_out "history records them" 6 sh -c "'$SYSCTR' --root '$TROOT' history '$c' | grep -c 'snapshot auto'"

# a running container is frozen for the moment of its cut
check "start it" sysctr start "$c"
check_has "a running container's scheduled snapshot" "frozen for" sysctr snapshot auto --now 2026-12-02T11:00
check_out "it still runs" RUNNING json_of "d['state']" sysctr info "$c" --format json
check "and is thawed: exec answers" timeout 20 "$SYSCTR" --root "$TROOT" exec "$c" -- true
check "stop it" sysctr stop -k "$c"

# one broken container.conf: its error, the others still done, exit 1
check "a third container" sysctr create busybox "$broken"
check "with a schedule" sysctr config set "$broken" snapshots.schedule=daily
printf 'snapshots {\n  schedule = "monthly"\n}\n' >"$TROOT/var/lib/sysctr/containers/$broken/container.conf"
check_exit "the run fails (1) for it" 1 sysctr snapshot auto --now 2026-12-02T12:00
check_has "naming it and the key" "$broken" sh -c "'$SYSCTR' --root '$TROOT' snapshot auto --now 2026-12-02T13:00; true"
# by name: the list is in creation order, and --now may be before a
# snapshot cut by hand on the real clock
check_out "the others were done" True json_of "'auto-20261202-1300' in [x['name'] for x in d]" sysctr snapshot list "$c" --format json
# as json: one document, an outcome per scheduled container made as every
# command's (cli_outcome), the failed one with its error, and exit 1
out=$(sysctr snapshot auto --now 2026-12-02T14:00 --format json 2>"$TROOT/run.err")
check_eq "as json the run fails too (1)" 1 "$?"
check_out "each container's outcome, failures included" "$c:snapshot auto:ok $broken:snapshot auto:failed" json_of "' '.join(x['name'] + ':' + x['action'] + ':' + x['result'] for x in d)" printf '%s' "$out"
check_out "the failed one has the keys of every command's failure" "action error name pruned result state taken" json_of "' '.join(sorted([x for x in d if x['result'] == 'failed'][0]))" printf '%s' "$out"
check_out "its error names it" True json_of "[x for x in d if x['result'] == 'failed'][0]['error']['message'].startswith('$broken: ')" printf '%s' "$out"
check_out "the one done says what it took and pruned" "took auto-20261202-1400, pruned auto-20261202-1200 auto-20261202-1400 ['auto-20261202-1200']" json_of "[x for x in d if x['result'] == 'ok'][0]['detail'] + ' ' + str([x for x in d if x['result'] == 'ok'][0]['taken']) + ' ' + str([x for x in d if x['result'] == 'ok'][0]['pruned'])" printf '%s' "$out"
check_has "and stderr has the error line" "sysctr: $broken: " cat "$TROOT/run.err"
check "the broken one goes" sysctr destroy -f "$broken"
check_out "one scheduled container is still an array" "list 1" json_of "type(d).__name__ + ' ' + str(len(d))" sysctr snapshot auto --now 2026-12-02T14:30 --format json
check_exit "--now that is no time is a usage error (2)" 2 sysctr snapshot auto --now yesterday
check_exit "--now is for auto only (2)" 2 sysctr snapshot list "$c" --now 1
check_exit "schedule monthly is refused by config set (2)" 2 sysctr config set "$c" snapshots.schedule=monthly
check_out "a schedule change needs no restart" "" sh -c "'$SYSCTR' --root '$TROOT' config set '$c' snapshots.keep_daily=3 2>&1"

# the units make install puts in place, with the binary the tests use
units="$TROOT/units"
mkdir -p "$units"
sed "s|^ExecStart=[^ ]*|ExecStart=$SYSCTR|" "$SYSCTR_BUILDDIR/config/sysctr-snapshot.service" >"$units/sysctr-snapshot.service"
cp "$SYSCTR_SRCDIR/config/sysctr-snapshot.timer" "$units/"
check_has "the service runs snapshot auto" "snapshot auto" cat "$units/sysctr-snapshot.service"
check "systemd-analyze verify passes on the timer and its service" systemd-analyze verify --man=no "$units/sysctr-snapshot.timer" "$units/sysctr-snapshot.service"

done_testing
