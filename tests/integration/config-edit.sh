#!/bin/sh
# config show/get/set/edit: valid changes land, invalid ones are refused and
# leave container.conf byte for byte as it was.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

c="${PFX}-cf"
# container.conf is 0640 whatever the umask says
u0() { (umask 000 && "$@"); }
check "create with --set" u0 sysctr create busybox "$c" --set resources.memory=128M --set autostart.after=db1,cache1
conf="$TROOT/var/lib/sysctr/containers/$c/container.conf"
check_out "container.conf is 0640 after create" 640 stat -c %a "$conf"
check_out "create --set landed" 128M sysctr config get "$c" resources.memory
check_out "list value" "db1,cache1" sysctr config get "$c" autostart.after
check_out "template recorded" busybox sysctr config get "$c" template
check_out "default of an unset key" 50 sysctr config get "$c" autostart.order
check_exit "get of an unknown key is usage (2)" 2 sysctr config get "$c" nope.nope
check "show" sysctr config show "$c"
check_out "show as json" busybox json_of "d['text'].split('template')[1].split('\"')[1]" sysctr config show "$c" --format json

# comments survive a set
printf '# admin note: keep me\n' >> "$conf"
chmod 0644 "$conf"
check "set" u0 sysctr config set "$c" resources.memory=256M autostart.order=10
check_out "a set makes an old 0644 file 0640" 640 stat -c %a "$conf"
check_out "set landed" 256M sysctr config get "$c" resources.memory
check_out "second key of one set landed" 10 sysctr config get "$c" autostart.order
if grep -q '# admin note: keep me' "$conf"; then ok "comments kept"; else not_ok "comments kept"; fi

cp "$conf" "$TROOT/before"
check_exit "invalid value refused (2)" 2 sysctr config set "$c" resources.memory=lots
if cmp -s "$conf" "$TROOT/before"; then ok "file unchanged"; else not_ok "file unchanged"; fi
check_exit "unknown key refused (2)" 2 sysctr config set "$c" resources.colour=red
check_exit "all or nothing: a bad second key refuses the first" 2 sysctr config set "$c" resources.memory=64M network.mode=warp
if cmp -s "$conf" "$TROOT/before"; then ok "file unchanged"; else not_ok "file unchanged"; fi
check_exit "a value with a newline is refused" 2 sysctr config set "$c" "network.bridge=br0
raw.lxc.rootfs.path=dir:/"
if cmp -s "$conf" "$TROOT/before"; then ok "file unchanged"; else not_ok "file unchanged"; fi
check_exit "config of a missing container (3)" 3 sysctr config get "${PFX}-none" template

# Mount paths: one check for every way in, at the way in, not at start.
for bad in "path=/" "path=//./" "path=/my data" "path=/a/../etc" "path=srv" "source=/srv/a b" "source=srv"; do
	key=${bad%%=*}
	if [ "$key" = path ]; then other=source=/srv; else other=path=/srv; fi
	err=$(sysctr config set "$c" "mount.m1.$other" "mount.m1.$bad" 2>&1)
	rc=$?
	check_eq "config set mount.m1.$bad is refused (2)" 2 "$rc"
	case $err in "sysctr: $c: "*"mount.m1.$key: "*) ok "naming the key" ;; *) not_ok "error: $err" ;; esac
done
if cmp -s "$conf" "$TROOT/before"; then ok "file unchanged"; else not_ok "file unchanged"; fi
cp "$TROOT/before" "$conf"
cat > "$TROOT/ed-root" <<'ED'
#!/bin/sh
printf 'mount "m1" {\n  source = "/srv"\n  path = "/"\n}\n' >> "$1"
ED
chmod +x "$TROOT/ed-root"
err=$(EDITOR="$TROOT/ed-root" sysctr config edit "$c" 2>&1 </dev/null)
check_eq "config edit of a mount at / is refused (2)" 2 "$?"
case $err in *"mount.m1.path: '/' is the container's root"*) ok "and says why" ;; *) not_ok "edit error: $err" ;; esac
if cmp -s "$conf" "$TROOT/before"; then ok "file unchanged"; else not_ok "file unchanged"; fi
cp "$TROOT/before" "$conf"
# a file written by hand is refused where it is loaded, with the same words
printf 'mount "m1" {\n  source = "/srv"\n  path = "/"\n}\n' >> "$conf"
err=$(sysctr start "$c" 2>&1)
check_eq "start with a mount at / is usage (2)" 2 "$?"
case $err in *"mount.m1.path: '/' is the container's root"*) ok "and says why" ;; *) not_ok "start error: $err" ;; esac
cp "$TROOT/before" "$conf"

# config set checks on this host what it can: the CPUs exist, a memory
# limit is one a container boots with, a mount's source is there
online=$(cat /sys/devices/system/cpu/online)
# shellcheck disable=SC2020 # both separators of a cpu list become lines
beyond=$(($(printf '%s\n' "$online" | tr ',-' '\n\n' | sort -n | tail -n 1) + 1))
err=$(sysctr config set "$c" resources.cpus="0,$beyond" 2>&1)
check_eq "config set of a CPU beyond the host is refused (2)" 2 "$?"
check_eq "saying which" "sysctr: $c: resources.cpus: CPU $beyond is not online on this host (online: $online)" "$err"
err=$(sysctr config set "$c" resources.memory=8M 2>&1)
check_eq "config set of a memory limit nothing boots with is refused (2)" 2 "$?"
case $err in *"resources.memory: 8M is too little: a container needs at least 16M"*) ok "saying why" ;; *) not_ok "error: $err" ;; esac
err=$(sysctr config set "$c" mount.m1.source="$TROOT/nonexistent" mount.m1.path=/srv 2>&1)
check_eq "config set of a mount source that does not exist is refused (2)" 2 "$?"
case $err in *"mount.m1.source: $TROOT/nonexistent: No such file or directory") ok "saying which" ;; *) not_ok "error: $err" ;; esac
if cmp -s "$conf" "$TROOT/before"; then ok "file unchanged"; else not_ok "file unchanged"; fi
check "a CPU that is online is fine" sysctr config set "$c" resources.cpus=0
err=$(sysctr config set "$c" raw.lxc.environment=FOO=1 2>&1 >/dev/null)
check_eq "a raw key is set, with a word on what only the start tells" \
	"sysctr: $c: raw.lxc.environment goes to liblxc unchecked: the next start tells whether liblxc takes it" "$err"
# a file written by hand is checked at start, before liblxc runs
printf 'resources {\n  cpus = "%s"\n}\n' "$beyond" > "$conf"
err=$(sysctr start "$c" 2>&1)
check_eq "start with a CPU beyond the host is usage (2)" 2 "$?"
case $err in *"resources.cpus: CPU $beyond is not online"*) ok "and says why" ;; *) not_ok "start error: $err" ;; esac
cp "$TROOT/before" "$conf"

# edit: an editor that writes nonsense is refused (no terminal: no retry)
cat > "$TROOT/ed-bad" <<'ED'
#!/bin/sh
printf 'resources {\n  memory = "lots"\n}\n' >> "$1"
ED
cat > "$TROOT/ed-good" <<'ED'
#!/bin/sh
sed -i 's/256M/512M/' "$1"
ED
chmod +x "$TROOT/ed-bad" "$TROOT/ed-good"
err=$(EDITOR="$TROOT/ed-bad" sysctr config edit "$c" 2>&1 </dev/null)
rc=$?
check_eq "edit to an invalid file is refused (2)" 2 "$rc"
case $err in *"config not saved"*"memory"*) ok "the error says why" ;; *) not_ok "edit error: $err" ;; esac
if cmp -s "$conf" "$TROOT/before"; then ok "file unchanged"; else not_ok "file unchanged"; fi
check_out "no editor temp file left" 0 count_lines find "$TROOT/var/lib/sysctr/containers/$c" -name '.container.conf.edit.*'
chmod 0644 "$conf"
check "edit with a valid change" u0 env EDITOR="$TROOT/ed-good" "$SYSCTR" --root "$TROOT" config edit "$c"
check_out "edit landed" 512M sysctr config get "$c" resources.memory
check_out "an edit makes an old 0644 file 0640" 640 stat -c %a "$conf"

# A config set while the editor is open is not undone by the save: the
# edit is refused and the user's version kept where the error says.
cat > "$TROOT/ed-race" <<ED
#!/bin/sh
"$SYSCTR" --root "$TROOT" config set "$c" autostart.order=33 >/dev/null || exit 1
sed -i 's/512M/640M/' "\$1"
ED
chmod +x "$TROOT/ed-race"
err=$(EDITOR="$TROOT/ed-race" sysctr config edit "$c" 2>&1 </dev/null)
check_eq "an edit racing a config set is refused (1)" 1 "$?"
check_eq "in one line" 1 "$(err_lines "$err")"
check_out "the set is kept" 33 sysctr config get "$c" autostart.order
check_out "the edit did not land" 512M sysctr config get "$c" resources.memory
kept=$(printf '%s\n' "$err" | sed -n 's/.*your version is in \(.*\)$/\1/p')
case $err in "sysctr: $c: $conf changed while it was being edited"*) ok "the error says what happened" ;; *) not_ok "error: $err" ;; esac
if [ -n "$kept" ] && grep -q 640M "$kept"; then ok "the user's version is kept in $kept"; else not_ok "kept copy '$kept'"; fi
rm -f "$kept"
cat > "$TROOT/ed-none" <<ED
#!/bin/sh
"$SYSCTR" --root "$TROOT" config set "$c" autostart.order=34 >/dev/null
ED
chmod +x "$TROOT/ed-none"
check "an edit that changes nothing is fine meanwhile" env EDITOR="$TROOT/ed-none" "$SYSCTR" --root "$TROOT" config edit "$c"
check_out "and keeps the set" 34 sysctr config get "$c" autostart.order
check_out "no editor file left" 0 count_lines find "$TROOT/var/lib/sysctr/containers/$c" -name '.container.conf.edit.*'

# the config reaches liblxc at the next start
check "start" u0 sysctr start "$c"
lim=$(lxc-cgroup -P "$TROOT/var/lib/sysctr/containers" -n "$c" memory.limit_in_bytes 2>/dev/null ||
	lxc-cgroup -P "$TROOT/var/lib/sysctr/containers" -n "$c" memory.max)
check_eq "memory limit applied" $((512 * 1024 * 1024)) "$lim"
check_out "the generated liblxc config is 0640" 640 stat -c %a "$TROOT/var/lib/sysctr/containers/$c/config"
err=$(sysctr config set "$c" network.hwaddr=00:16:3e:00:00:07 autostart.order=7 2>&1 >/dev/null)
check_eq "a running container is told which change waits for a restart" \
	"sysctr: $c: network.hwaddr takes effect at the next start (sysctr restart $c)" "$err"
err=$(sysctr config set "$c" resources.memory=300M 2>&1 >/dev/null)
check_eq "and which it got at once" \
	"sysctr: $c: resources.memory applied to the running container" "$err"
check "destroy -f" sysctr destroy -f "$c"

# list keeps what it shows of container.conf in the registry and reads a
# file again only when it changed: by config set, or by hand
l="${PFX}-ls"
check "create for list" sysctr create busybox "$l" --set autostart.enabled=true --set autostart.order=4
check_out "list shows its order" 4 json_of "[x['autostart_order'] for x in d if x['name'] == '$l'][0]" sysctr list --format json
check "config set" sysctr config set "$l" autostart.order=5
check_out "list follows config set" 5 json_of "[x['autostart_order'] for x in d if x['name'] == '$l'][0]" sysctr list --format json
check "an edit by hand" sed -i 's/order = 5/order = 6/' "$TROOT/var/lib/sysctr/containers/$l/container.conf"
check_out "list follows it" 6 json_of "[x['autostart_order'] for x in d if x['name'] == '$l'][0]" sysctr list --format json
check "an edit by hand that breaks it" sh -c "echo 'bogus = 1' >> '$TROOT/var/lib/sysctr/containers/$l/container.conf'"
check_has "list says so, not its old summary" "bogus" sysctr list
check "destroy" sysctr destroy "$l"

done_testing
