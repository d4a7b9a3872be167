#!/bin/sh
# The command line contract: help, version, exit codes, one-line errors,
# JSON documents, and invalid names that create nothing.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

check "help" sysctr help
check "--help" sysctr --help
out=$(sysctr help create)
case $out in *"usage: sysctr create [TEMPLATE] NAME"*) ok "help COMMAND" ;; *) not_ok "help create: $out" ;; esac
out2=$(sysctr create --help)
check_eq "COMMAND --help is the same text" "$out" "$out2"
check_out "help as json lists the commands" 5 json_of "len([c for c in d if c['name'] in ('create','list','exec','config','history')])" sysctr help --format json
check_out "help COMMAND as json" "NAME...|--all [-t SECONDS] [-k]" json_of "d[0]['usage']" sysctr help stop --format json
check_exit "help of an unknown command is usage (2)" 2 sysctr help frobnicate
check_exit "unknown command is usage (2)" 2 sysctr frobnicate
check_exit "no command is usage (2)" 2 sysctr
check_exit "bad --format is usage (2)" 2 sysctr list --format yaml
out=$(sysctr version)
case $out in "sysctr "*"liblxc"*) ok "version" ;; *) not_ok "version: $out" ;; esac
v=$(sysctr --version --format json | json_get "d['version']")
if [ -n "$v" ]; then ok "version as json"; else not_ok "version as json"; fi
out=$(sysctr list --format json)
check_out "empty list is an empty JSON array" "[]" json_of 'json.dumps(d)' printf '%s' "$out"
out=$(sysctr templates --format json | json_get "' '.join(sorted(t['name'] for t in d))")
case $out in *busybox*debian*) ok "templates lists busybox and debian" ;; *) not_ok "templates: $out" ;; esac

check_exit "info of a missing container is not found (3)" 3 sysctr info "${PFX}-nope"
check_exit "start of a missing container is not found (3)" 3 sysctr start "${PFX}-nope"
check_exit "destroy of a missing container is not found (3)" 3 sysctr destroy "${PFX}-nope"
check_exit "unknown template is not found (3)" 3 sysctr create no-such-template "${PFX}-x"

err=$(sysctr info "${PFX}-nope" 2>&1 >/dev/null)
check_eq "error format" "sysctr: ${PFX}-nope: no such container" "$err"

nl='
'
# shellcheck disable=SC2016 # '$(id)' is a name, never expanded
for bad in "" "-lead" ".." "a/b" "../etc" "a b" "a_b" "x.y" "$(printf 'a%.0s' $(seq 1 64))" "a${nl}b" '$(id)'; do
	check_exit "invalid name '$bad' is refused (2)" 2 sysctr create busybox "$bad"
	lines=$(sysctr create busybox "$bad" 2>&1 | grep -vc '^+ ')
	check_eq "one line of error for '$bad'" 1 "$lines"
done
check_out "nothing was created" 0 json_of 'len(d)' sysctr list --format json
check_out "no directory was created" 0 count_lines find "$TROOT/var/lib/sysctr/containers" -mindepth 1 -maxdepth 1

check_exit "--set without = is usage" 2 sysctr create busybox "${PFX}-s" --set nonsense
check_exit "--set of an unknown key is usage" 2 sysctr create busybox "${PFX}-s" --set resources.colour=red
check_exit "--set of a bad value is usage" 2 sysctr create busybox "${PFX}-s" --set resources.memory=lots
check_exit "--set of a mount at / is usage" 2 sysctr create busybox "${PFX}-s" --set mount.m.source=/srv --set mount.m.path=/
check_exit "--set of a mount path with a blank is usage" 2 sysctr create busybox "${PFX}-s" --set mount.m.source=/srv "--set=mount.m.path=/a b"
# --mirror gets sysctr.conf's check of mirrors
for bad in "http://a b" "http://deb.debian.org/debian${nl}x" "ftp://x" "deb.debian.org"; do
	err=$(sysctr create busybox "${PFX}-s" --mirror "$bad" 2>&1)
	rc=$?
	check_eq "--mirror '$bad' is usage (2)" 2 "$rc"
	case $err in "sysctr: ${PFX}-s: --mirror: invalid mirror '"*) ok "in sysctr.conf's words" ;; *) not_ok "error: $err" ;; esac
	check_eq "in one line" 1 "$(err_lines "$err")"
done
check_out "still nothing created" 0 json_of 'len(d)' sysctr list --format json

check_exit "relative --root is usage" 2 "$SYSCTR" --root relative/dir list

# create -c reads at most what any config file may hold. A regression must
# not take the host down with it: memory and time are capped here.
capped() {
	# shellcheck disable=SC3045 # dash and bash have it; elsewhere no cap
	(ulimit -v 400000 2>/dev/null; timeout 20 "$SYSCTR" --root "$TROOT" "$@")
}
head -c 2000000 /dev/zero | tr '\0' '#' > "$TROOT/big.conf"
for f in /dev/zero "$TROOT/big.conf"; do
	t0=$(date +%s)
	err=$(capped create busybox "${PFX}-big" -c "$f" 2>&1 >/dev/null)
	rc=$?
	t1=$(date +%s)
	check_eq "create -c $f is usage (2)" 2 "$rc"
	check_eq "in one line" 1 "$(err_lines "$err")"
	case $err in *"$f"*) ok "naming the file" ;; *) not_ok "error: $err" ;; esac
	if [ $((t1 - t0)) -le 2 ]; then ok "at once ($((t1 - t0)) s)"; else not_ok "took $((t1 - t0)) s"; fi
done
check_eq "create -c with a pipe works" "512M" \
	"$(sysctr create busybox "${PFX}-pipe" -c /dev/stdin <<CONF >/dev/null && sysctr config get "${PFX}-pipe" resources.memory
resources { memory = "512M" }
CONF
)"
check "destroy it" sysctr destroy "${PFX}-pipe"
check_out "nothing created by a refused -c" 0 json_of 'len(d)' sysctr list --format json
check_out "and no directory" 0 count_lines find "$TROOT/var/lib/sysctr/containers" -mindepth 1 -maxdepth 1

# A bad option or command is named, in exactly one line (getopt prints
# nothing of its own), and a near miss gets a suggestion.
one_error() {
	# one_error DESC WANT CMD...: exit 2 and stderr is exactly WANT
	_desc=$1
	_want=$2
	shift 2
	_err=$("$@" 2>&1 >/dev/null)
	_rc=$?
	check_eq "$_desc: exit 2" 2 "$_rc"
	check_eq "$_desc: one line" "$_want" "$_err"
}
one_error "a mistyped long option is named" \
	"sysctr: list: unknown option --runing; did you mean --running?" sysctr list --runing
one_error "an unknown long option is named" \
	"sysctr: list: unknown option --colour (usage: sysctr list [--running|--stopped] [PATTERN])" sysctr list --colour=red
one_error "an unknown short option is named" \
	"sysctr: stop: unknown option -x (usage: sysctr stop NAME...|--all [-t SECONDS] [-k])" sysctr stop -x "${PFX}-nope"
one_error "a missing value is named" \
	"sysctr: stop: option --timeout needs a value (usage: sysctr stop NAME...|--all [-t SECONDS] [-k])" sysctr stop "${PFX}-nope" --timeout
one_error "a value given to a flag is named" \
	"sysctr: destroy: option --force takes no value (usage: sysctr destroy NAME [-f|--force])" sysctr destroy --force=yes "${PFX}-nope"
one_error "an ambiguous abbreviation is named" \
	"sysctr: create: option --s is ambiguous (usage: sysctr create [TEMPLATE] NAME [-r RELEASE] [-a ARCH] [-c FILE] [--set KEY=VALUE]... [--start] [--from FILE] [--refresh] [--copy] [--mirror URL])" \
	sysctr create --s x busybox "${PFX}-amb"
one_error "restart has no -k" \
	"sysctr: restart: unknown option -k (usage: sysctr restart NAME...|--all [-t SECONDS])" sysctr restart -k "${PFX}-nope"
one_error "an options-free command names the option" \
	"sysctr: info: unknown option --json (usage: sysctr info NAME)" sysctr info --json "${PFX}-nope"
one_error "an unknown global option is named" \
	"sysctr: unknown option --rot; did you mean --root? (see sysctr --help)" "$SYSCTR" --rot /x list
one_error "a mistyped command gets the closest one" \
	'sysctr: unknown command "strat"; did you mean "start"?' sysctr strat "${PFX}-nope"
one_error "a mistyped alias too" \
	'sysctr: unknown command "sl"; did you mean "ls"?' sysctr sl
one_error "help of a mistyped command" \
	'sysctr: help: unknown command "histroy"; did you mean "history"?' sysctr help histroy
one_error "no suggestion for a word far from every command" \
	'sysctr: unknown command "frobnicate" (see sysctr help)' sysctr frobnicate

done_testing
