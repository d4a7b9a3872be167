#!/bin/sh
# The man pages: built by make from the command table and the key
# documentation (so they are what `sysctr help --man` prints now), clean
# under mandoc -Tlint, naming every command, every long option and every
# key, and installed by make install.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"
command -v mandoc >/dev/null || skip_all "no mandoc"

man=$SYSCTR_BUILDDIR/man
for p in sysctr.1 sysctr.conf.5 container.conf.5; do
	check "make built $p" test -s "$man/$p"
	check_eq "$p is what help --man prints now" "" "$("$SYSCTR" help --man "$p" | diff - "$man/$p" 2>&1)"
	check_out "mandoc -Tlint -W all: nothing to say on $p" "" mandoc -Tlint -W all "$man/$p"
done

# every command and every long option of the command table
missing=$("$SYSCTR" help --format json | python3 -c '
import json, re, sys
page = open(sys.argv[1]).read().replace("\\-", "-").replace("\\fB", "").replace("\\fR", "")
for c in json.load(sys.stdin):
    if ".SS " + c["name"] not in page:
        print("command", c["name"])
    for o in re.findall(r"--[a-z][a-z-]*", c["options"] or ""):
        if o not in page:
            print("option", c["name"], o)
' "$man/sysctr.1")
check_eq "sysctr.1 names every command and option" "" "$missing"
check_has "and the exit statuses" "4 wrong state" cat "$man/sysctr.1"

# every key of each file, as help config lists them
for f in container.conf sysctr.conf; do
	missing=$("$SYSCTR" help "$f" --format json | python3 -c '
import json, sys
page = open(sys.argv[1]).read().replace("\\-", "-")
for k in json.load(sys.stdin):
    if ".B " + k["key"] + "\n" not in page:
        print(k["key"])
' "$man/$f.5")
	check_eq "$f.5 documents every key" "" "$missing"
done
check_out "help config lists the keys with their default" "50" json_of "[k['default'] for k in d[0]['keys'] if k['key'] == 'autostart.order'][0]" "$SYSCTR" help config --format json
check_out "which apply at once" "True False" json_of "'%s %s' % ([k['live'] for k in d[0]['keys'] if k['key'] == 'resources.memory'][0], [k['live'] for k in d[0]['keys'] if k['key'] == 'network.mode'][0])" "$SYSCTR" help config --format json
check_has "help config as text" "resources.memory" "$SYSCTR" help config
check_has "help sysctr.conf as text" "network.nat" "$SYSCTR" help sysctr.conf
check_exit "an unknown page: usage (2)" 2 "$SYSCTR" help --man sysctr.8

# make install puts them where man finds them
dest="$TROOT/dest"
check "make install-man" make -s -C "$SYSCTR_BUILDDIR" install-man "DESTDIR=$dest"
mandir=$(sed -n 's/^mandir = //p' "$SYSCTR_BUILDDIR/Makefile" | sed "s|\${datarootdir}|$(sed -n 's/^datarootdir = //p' "$SYSCTR_BUILDDIR/Makefile")|; s|\${prefix}|$(sed -n 's/^prefix = //p' "$SYSCTR_BUILDDIR/Makefile")|")
check "sysctr(1) installed" test -s "$dest$mandir/man1/sysctr.1"
check "container.conf(5) installed" test -s "$dest$mandir/man5/container.conf.5"
check "sysctr.conf(5) installed" test -s "$dest$mandir/man5/sysctr.conf.5"
done_testing
