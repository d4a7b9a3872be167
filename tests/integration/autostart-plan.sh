#!/bin/sh
# autostart --plan on real (busybox) containers' container.conf: levels by
# `after` then `order`, parallel levels, --group, the worst-case times,
# JSON; `config set` refuses a change that breaks the plan (a cycle, an
# `after` naming nothing or a container that does not start at boot) and
# names it; --plan reports a plan broken by a destroy.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

db="${PFX}-db" web="${PFX}-web" cache="${PFX}-cache" mon="${PFX}-mon"
levels() { # the plan's levels as "a b|c"
	sysctr autostart --plan --format json |
		json_get "'|'.join(' '.join(c['name'] for c in l) for l in d['levels'])"
}

for c in "$db" "$web" "$cache" "$mon"; do
	check "create $c" sysctr create busybox "$c"
done
check_out "no container starts at boot: an empty plan" "" levels
check_has "the table says so" "0 containers in 0 levels" sysctr autostart --plan
check_exit "autostart without --plan: usage (2)" 2 sysctr autostart

check "db at order 10" sysctr config set "$db" autostart.enabled=true autostart.order=10 autostart.timeout=90 autostart.delay=5
check "cache at order 10" sysctr config set "$cache" autostart.enabled=true autostart.order=10 autostart.timeout=20
check "web at order 5, after db" sysctr config set "$web" autostart.enabled=true autostart.order=5 "autostart.after=$db" autostart.timeout=30
check "mon at order 90 in group ops" sysctr config set "$mon" autostart.enabled=true autostart.order=90 autostart.group=ops
check_out "after first, then order; the same order together (by name)" "$cache $db|$web|$mon" levels
check_out "worst-case boot: each level's slowest ready check and delay" 185 json_of "d['boot_worst_s']" sysctr autostart --plan --format json
check_out "worst-case shutdown: per level its slowest timeout and the kill" 195 json_of "d['shutdown_worst_s']" sysctr autostart --plan --format json
check_out "web's edge is in the plan" "$db" json_of "d['levels'][1][0]['after'][0]" sysctr autostart --plan --format json
check_has "the table names the edge" "$db" sysctr autostart --plan
check_has "and the worst case" "worst case: boot 185 s, shutdown 195 s" sysctr autostart --plan
check_out "--group ops" "$mon" json_of "' '.join(c['name'] for l in d['levels'] for c in l)" sysctr autostart --plan --group ops --format json

# --- config set keeps the plan whole -------------------------------------------
check_exit "a cycle is refused (2)" 2 sysctr config set "$db" "autostart.after=$web"
check_has "and named" "$db -> $web -> $db" sh -c "'$SYSCTR' --root '$TROOT' config set '$db' 'autostart.after=$web' 2>&1; true"
check_out "the refused change was not written" "" sysctr config get "$db" autostart.after
check_exit "after naming no container is refused (2)" 2 sysctr config set "$cache" "autostart.after=${PFX}-nosuch"
check_has "and named" "${PFX}-nosuch, which does not exist" sh -c "'$SYSCTR' --root '$TROOT' config set '$cache' 'autostart.after=${PFX}-nosuch' 2>&1; true"
check_exit "disabling a container another starts after is refused (2)" 2 sysctr config set "$db" autostart.enabled=false
check_has "naming the one that waits for it" "$web: autostart.after names $db, which does not start at boot" sh -c "'$SYSCTR' --root '$TROOT' config set '$db' autostart.enabled=false 2>&1; true"
check "a key that is not autostart's is not held up" sysctr config set "$db" security.nesting=false

# --- a plan broken outside config set -------------------------------------------
check "destroy db (web still names it)" sysctr destroy "$db"
check_exit "--plan reports it (2)" 2 sysctr autostart --plan
check_has "naming both" "$web: autostart.after names $db, which does not exist" sh -c "'$SYSCTR' --root '$TROOT' autostart --plan 2>&1; true"
check "a change that does not mend it is still allowed (a warning)" sysctr config set "$cache" autostart.order=20
check "mend it" sysctr config set "$web" autostart.after=
check_out "the plan is whole again" "$web|$cache|$mon" levels

done_testing
