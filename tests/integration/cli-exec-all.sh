#!/bin/sh
# exec --user, --cwd and --env (as incus exec and lxc-attach take them),
# its options after NAME when "--" ends them, and start, stop and restart
# --all.
# shellcheck disable=SC2016 # the $ in the commands run inside the container is theirs
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

a="${PFX}-xa"
b="${PFX}-xb"
c="${PFX}-xc"
for n in "$a" "$b" "$c"; do
	check "create $n" sysctr create busybox "$n"
done

# --- start/stop/restart --all
check_exit "start without NAME or --all: usage (2)" 2 sysctr start
check_exit "NAME and --all together: usage (2)" 2 sysctr start --all "$a"
check "start $a alone" sysctr start "$a"
out=$(sysctr start --all --format json)
check_out "start --all starts the stopped ones" "$b $c" json_of "' '.join(sorted(o['name'] for o in d))" printf '%s' "$out"
check_out "each with its outcome" "ok ok" json_of "' '.join(o['result'] for o in d)" printf '%s' "$out"
check_out "all three run" 3 json_of "len(d)" sysctr list --running --format json
check "freeze $c" sysctr freeze "$c"
check_out "restart --all restarts the running and the frozen" "$a $b $c" json_of "' '.join(sorted(o['name'] for o in d))" sysctr restart --all --format json
check_out "start --all with nothing stopped: nothing to do" "[]" json_of "json.dumps(d)" sysctr start --all --format json

# --- exec --user, --cwd, --env
check "a user inside" sysctr exec "$a" -- sh -c 'echo "web:x:1001:1001:web:/home/web:/bin/sh" >>/etc/passwd && echo "web:x:1001:" >>/etc/group && echo "adm2:x:1500:web" >>/etc/group && mkdir -p /home/web && chown 1001:1001 /home/web'
check_out "--user NAME: its ids and groups" "uid=1001(web) gid=1001(web) groups=1001(web),1500(adm2)" sysctr exec --user web "$a" -- id
check_out "in its home, with its HOME, USER and LOGNAME" "/home/web /home/web web web" sysctr exec -u web "$a" -- sh -c 'echo "$(pwd) $HOME $USER $LOGNAME"'
check_out "--user UID without an entry" "uid=4242 gid=4242" sysctr exec -u 4242 "$a" -- sh -c 'id | cut -d" " -f1-2'
check_out "root by default, in /" "0 /" sysctr exec "$a" -- sh -c 'echo "$(id -u) $(pwd)"'
check_out "--cwd DIR" "/etc" sysctr exec --cwd /etc "$a" -- pwd
check_out "--env KEY=VALUE, repeated, one replacing a default" "bar baz C" sysctr exec -e FOO=bar -e QUX=baz -e LANG=C "$a" -- sh -c 'echo "$FOO $QUX $LANG"'
check_out "--env HOME wins over the user's" "/tmp" sysctr exec -u web -e HOME=/tmp "$a" -- sh -c 'echo $HOME'
check_out "options after NAME when -- ends them" "1001 /tmp" sysctr exec "$a" --user web --cwd /tmp -- sh -c 'echo "$(id -u) $(pwd)"'
check_out "a -- of the command's own stays its" "-- -x" sysctr exec "$a" echo -- -x
check_exit "no such user: not found (3)" 3 sysctr exec -u nosuchuser "$a" -- true
err=$(sysctr exec -u nosuchuser "$a" -- true 2>&1)
check_eq "named in one line" "sysctr: $a: cannot start true: no user \"nosuchuser\" in the container's /etc/passwd" "$err"
check_exit "a --cwd that does not exist fails (1)" 1 sysctr exec -w /nonexistent "$a" -- true
check_exit "a relative --cwd: usage (2)" 2 sysctr exec -w tmp "$a" -- true
check_exit "--env without =: usage (2)" 2 sysctr exec -e FOO "$a" -- true
check_exit "--user without a value: usage (2)" 2 sysctr exec --user
check_exit "the user cannot do root's work" 1 sysctr exec -u web "$a" -- touch /etc/x

check_out "stop --all" "$a $b $c" json_of "' '.join(sorted(o['name'] for o in d))" sysctr stop --all -k --format json
check_out "nothing runs" 0 json_of "len(d)" sysctr list --running --format json
done_testing
