#!/bin/sh
# A container's layer stack does not grow without bound: past 16 layers a
# cut merges them into one. What the container shows is the same before
# and after the merge (files deleted from the image, directories deleted
# and made again, hard links, fifos, links, owners, modes, xattrs), and
# every snapshot still restores to what it was.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

command -v setcap >/dev/null || skip_all "no setcap (libcap2-bin)"

c="${PFX}-fl"
db="$TROOT/var/lib/sysctr/sysctr.db"

depth() {
	python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM container_layers c JOIN containers k ON k.id = c.container_id WHERE k.name = ?', (sys.argv[2],)).fetchone()[0])" "$db" "$1"
}
view() { tree_manifest "$c" /srv/t && tree_manifest "$c" /etc && sysctr exec "$c" -- ls -a /; }

# op N: the change made before snapshot sN (a command line for the
# container's shell, which expands it)
# shellcheck disable=SC2016
op() {
	case $1 in
	1) echo 'mkdir -p /srv/t/a/b && echo 1 > /srv/t/a/b/f && echo keep > /srv/t/k && ln /srv/t/k /srv/t/k2 && rm /etc/shells && rm -rf /home' ;;
	2) echo 'echo 2 > /srv/t/a/b/f' ;;
	3) echo 'rm -rf /srv/t/a' ;;
	4) echo 'mkdir /srv/t/a && echo new > /srv/t/a/g && echo back > /etc/shells' ;;
	5) echo 'rm /srv/t/k2 && echo more >> /srv/t/k' ;;
	6) echo 'chmod 700 /srv/t/a && chown 5:5 /srv/t/a/g' ;;
	7) echo 'mkfifo /srv/t/p && ln -s /nowhere /srv/t/dangling' ;;
	8) echo 'mkdir /srv/t/d && for n in 1 2 3 4 5; do echo $n > /srv/t/d/$n; done' ;;
	9) echo 'rm -rf /srv/t/d && mkdir /srv/t/d && echo only > /srv/t/d/only' ;;
	10) echo 'mv /srv/t/k /srv/t/kk && mkdir -p /srv/t/x/y && ln /srv/t/kk /srv/t/x/y/hard' ;;
	11) echo 'rm /srv/t/dangling && mkdir /srv/t/dangling' ;;
	12) echo 'rmdir /srv/t/dangling && echo file > /srv/t/dangling' ;;
	*) echo "echo $1 > /srv/t/n$1 && echo $1 > /srv/t/a/g" ;;
	esac
}

check "create" sysctr create busybox "$c"
n=1
while [ "$n" -le 17 ]; do
	check "start ($n)" sysctr start "$c"
	check "change $n" sysctr exec "$c" -- sh -c "mkdir -p /srv/t && $(op "$n")"
	if [ "$n" = 6 ]; then
		pid=$(sysctr info "$c" --format json | json_get "d['pid']")
		check "an xattr" python3 -c "import os; os.setxattr('/proc/$pid/root/srv/t/a/g', 'user.note', b'six', follow_symlinks=False)"
		check "a file capability" setcap cap_net_raw+ep "/proc/$pid/root/srv/t/k"
	fi
	eval "m$n=\$(view)"
	check "stop ($n)" sysctr stop -k "$c"
	check_out "snapshot s$n" "$c: snapshot create: s$n" sysctr snapshot create "$c" "s$n"
	if [ "$n" = 16 ]; then check_out "16 cuts: 16 layers" 16 depth "$c"; fi
	n=$((n + 1))
done
check_out "the 17th cut merged them into one" 1 depth "$c"
check "start over the merged layer" sysctr start "$c"
# shellcheck disable=SC2154 # set by eval above
check_out "the container shows what it showed before the merge" "$m17" view
check "a change on top" sysctr exec "$c" -- sh -c 'echo top > /srv/t/top && rm -rf /srv/t/x'
check "stop" sysctr stop -k "$c"
for k in 3 9 12 17; do
	check "restore s$k" sysctr snapshot restore "$c" "s$k"
	check "start (s$k)" sysctr start "$c"
	eval "want=\$m$k"
	# shellcheck disable=SC2154 # set by eval
	check_out "s$k is what it was" "$want" view
	check "stop (s$k)" sysctr stop -k "$c"
done
check "destroy" sysctr destroy "$c"
check_out "no layer left" 0 sh -c "find '$TROOT/var/lib/sysctr/containers/.layers' -mindepth 1 -maxdepth 1 | wc -l"

done_testing
