#!/bin/sh
# The global options after the command (as before it), JSON for every
# outcome with --format json (failures included, one document on stdout),
# list-like values as arrays, and exec's command line left alone.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

c="${PFX}-g"
check "create $c" sysctr create busybox "$c"

# --- global options after the command
check_out "--root after the command" "$c" json_of "d[0]['name']" "$SYSCTR" list --root "$TROOT" --format json
check_out "--root=DIR after the command" "$c" json_of "d['name']" "$SYSCTR" info "$c" "--root=$TROOT" --format=json
check_out "-q after the command silences it" "" "$SYSCTR" config set "$c" autostart.order=20 --root "$TROOT" -q
check_out "and the change landed" 20 sysctr config get "$c" autostart.order
err=$("$SYSCTR" --root "$TROOT" list --config "$TROOT/no-such.conf" 2>&1)
case $err in *"$TROOT/no-such.conf"*) ok "--config after the command is sysctr.conf" ;; *) not_ok "error: $err" ;; esac
check "-v after the command" "$SYSCTR" info "$c" -v --root "$TROOT"
check_exit "--root after the command without a value: usage (2)" 2 "$SYSCTR" list --root
# create's own --config is its container.conf
printf 'autostart {\n  order = 7\n}\n' >"$TROOT/ct.conf"
check "create --config FILE is container.conf" sysctr create busybox "${PFX}-g2" --config "$TROOT/ct.conf"
check_out "taken from the file" 7 sysctr config get "${PFX}-g2" autostart.order
check "destroy ${PFX}-g2" sysctr destroy "${PFX}-g2"

# --- create NAME: sysctr.conf's defaults.template
printf 'defaults {\n  template = "busybox"\n}\n' >>"$TROOT/etc/sysctr/sysctr.conf"
check "create NAME takes defaults.template" sysctr create "${PFX}-g3"
check_out "busybox, from sysctr.conf" busybox sysctr config get "${PFX}-g3" template
check "destroy ${PFX}-g3" sysctr destroy "${PFX}-g3"
check_exit "create with three names: usage (2)" 2 sysctr create busybox a b

# --- exec: what follows NAME is the command's, global-looking words too
check "start $c" sysctr start "$c"
check_out "exec keeps -q and --format for its command (with --)" "-q --format json" sysctr exec "$c" -- echo -q --format json
check_out "and without --" "-v --root /x" sysctr exec "$c" echo -v --root /x
check_out "global options before NAME still count" "-v" sysctr exec -q "$c" echo -v

# --- every outcome is JSON with --format json
out=$(sysctr info "${PFX}-nope" --format json 2>/dev/null)
rc=$?
check_eq "info of a missing container: exit 3" 3 "$rc"
check_out "a JSON error document on stdout" "not_found 3" json_of "d['error']['kind'] + ' ' + str(d['error']['exit'])" printf '%s' "$out"
check_has "with the message" "no such container" json_of "d['error']['message']" printf '%s' "$out"
check_eq "and the line on stderr as always" "sysctr: ${PFX}-nope: no such container" "$(sysctr info "${PFX}-nope" --format json 2>&1 >/dev/null)"
check_out "a mistyped command with --format json" "usage" json_of "d['error']['kind']" sh -c "'$SYSCTR' --root '$TROOT' --format json strat 2>/dev/null; true"
check_out "a bad option with --format json" "usage" json_of "d['error']['kind']" sh -c "'$SYSCTR' --root '$TROOT' stop --frobnicate --format=json 2>/dev/null; true"
check_out "a failed outcome of start carries the same error object" "failed state 4" json_of "d['result'] + ' ' + d['error']['kind'] + ' ' + str(d['error']['exit'])" sh -c "'$SYSCTR' --root '$TROOT' start '$c' --format json 2>/dev/null; true"
check_out "a success stays one document" 1 json_of "len(d)" sysctr list --format json
check_out "no JSON error without --format json" "" sh -c "'$SYSCTR' --root '$TROOT' info '${PFX}-nope' 2>/dev/null; true"

# --- list-like values are arrays
check_out "templates: releases are an array" "list" json_of "type([t for t in d if t['name'] == 'debian'][0]['releases']).__name__" sysctr templates --format json
check_out "with the releases as items" "True" json_of "'bookworm' in [t for t in d if t['name'] == 'debian'][0]['releases']" sysctr templates --format json
check "autostart.after as a list" sysctr config set "$c" autostart.after=a1,b2
check_out "config show: the keys as an object" "busybox 20 False" json_of "'%s %s %s' % (d['keys']['template'], d['keys']['autostart.order'], d['keys']['security.privileged'])" sysctr config show "$c" --format json
check_out "a list key as an array" "['a1', 'b2']" json_of "d['keys']['autostart.after']" sysctr config show "$c" --format json
check_out "and the text as before" busybox json_of "d['text'].split('template')[1].split('\"')[1]" sysctr config show "$c" --format json
check "stop $c" sysctr stop -k "$c"

# --- history: who, --since, --action
check "a start through sudo" env SUDO_USER=alice "$SYSCTR" --root "$TROOT" start "$c"
check "a stop without" env -u SUDO_USER "$SYSCTR" --root "$TROOT" stop -k "$c"
h=$(sysctr history "$c" --format json)
check_out "the sudo user is kept" "alice" json_of "[e for e in d if e['action'] == 'start'][-1]['sudo_user']" printf '%s' "$h"
check_out "with the uid and its name" "0 root" json_of "'%s %s' % ([e for e in d if e['action'] == 'start'][-1]['uid'], [e for e in d if e['action'] == 'start'][-1]['user'])" printf '%s' "$h"
check_out "no sudo user without sudo" None json_of "d[-1]['sudo_user']" printf '%s' "$h"
check_has "the table's WHO column" "root (sudo: alice)" sysctr history "$c"
check_out "--action start" "start" json_of "' '.join(sorted(set(e['action'] for e in d)))" sysctr history "$c" --action start --format json
check_out "--since 1h keeps this run's rows" "$(json_of "len(d)" printf '%s' "$h")" json_of "len(d)" sysctr history "$c" --since 1h --format json
check_out "--since a future time shows none" 0 json_of "len(d)" sysctr history "$c" --since 2999-01-01 --format json
check_out "--since YYYY-MM-DDTHH:MM" "$(json_of "len(d)" printf '%s' "$h")" json_of "len(d)" sysctr history "$c" --since 2000-01-01T00:00 --format json
check_exit "--since nonsense: usage (2)" 2 sysctr history --since yesterday
check_out "SUDO_USER that is no name is not kept" None json_of "d[-1]['sudo_user']" sh -c "SUDO_USER='a b;c' '$SYSCTR' --root '$TROOT' config set '$c' autostart.order=30 >/dev/null && '$SYSCTR' --root '$TROOT' history '$c' --format json"

# --- progress when stderr is no terminal: a line per step, with its time
# (--refresh: a new image, which the template builds, in this root)
sed -i "s|images = .*|images = \"$TROOT/images\"|" "$TROOT/etc/sysctr/sysctr.conf"
sysctr create busybox "${PFX}-g4" --refresh >"$TROOT/out" 2>"$TROOT/err"
check_eq "create with stderr in a file" 0 "$?"
check_has "a line per step with its time" "+ installing busybox" cat "$TROOT/err"
check_eq "each as + STEP: N.N s" 0 "$(grep -cv '^+ .*: [0-9][0-9]*\.[0-9] s$' "$TROOT/err")"
check_out "the outcome on stdout, after them" "${PFX}-g4: create" cat "$TROOT/out"
check_out "-q: no progress" "" sh -c "'$SYSCTR' --root '$TROOT' create busybox '${PFX}-g5' -q --refresh 2>&1"
check "destroy ${PFX}-g4" sysctr destroy "${PFX}-g4"
check "destroy ${PFX}-g5" sysctr destroy "${PFX}-g5"

done_testing
