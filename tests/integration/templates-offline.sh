#!/bin/sh
# ubuntu and alpine need their mirrors, which these machines cannot use:
# pointed at a mirror that is not there (a closed port on loopback, so no
# traffic leaves the machine), they fail fast with one clear line and leave
# nothing behind. Their argument handling is tested directly.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

sed -i '/^paths {/i mirrors {\n  ubuntu = "http://127.0.0.1:9/ubuntu"\n  alpine = "http://127.0.0.1:9/alpine"\n}' "$TROOT/etc/sysctr/sysctr.conf"
sed -i "s|images = .*|images = \"$TROOT/images\"|" "$TROOT/etc/sysctr/sysctr.conf"

for t in ubuntu alpine; do
	c="${PFX}-$t"
	t0=$(date +%s)
	err=$(sysctr create "$t" "$c" 2>&1)
	rc=$?
	t1=$(date +%s)
	check_eq "$t: an unreachable mirror fails (1)" 1 "$rc"
	check_eq "$t: in one line" 1 "$(err_lines "$err")"
	# (the step lines of progress before it: stderr is no terminal)
	err=$(printf '%s\n' "$err" | grep -v '^+ ')
	case $err in
	"sysctr: $c: template $t: cannot reach http://127.0.0.1:9/$t"*) ok "$t: the line says which mirror" ;;
	*) not_ok "$t: error: $err" ;;
	esac
	if [ $((t1 - t0)) -le 15 ]; then ok "$t: fast ($((t1 - t0)) s)"; else not_ok "$t: took $((t1 - t0)) s"; fi
	check_out "$t: no row" 0 json_of 'len(d)' sysctr list --format json
	check_out "$t: no image" 0 json_of 'len(d)' sysctr images list --format json
	check_out "$t: no directory" 0 count_lines find "$TROOT/var/lib/sysctr/containers" "$TROOT/images" -mindepth 1 -maxdepth 1 ! -name .locks ! -name .cache ! -name .templates
	check_out "$t: no mount" 0 mounts_below

	out=$("$SYSCTR_SRCDIR/templates/$t" --describe)
	case $out in *default_release=*releases=*) ok "$t --describe" ;; *) not_ok "$t --describe: $out" ;; esac
	d=$(mktemp -d "$TROOT/tpl.XXXXXX")
	"$SYSCTR_SRCDIR/templates/$t" --name x --rootfs "$d" --release no-such-release --arch "" --mirror "" --cache "$TROOT" --meta "$TROOT/m" >/dev/null 2>&1
	check_eq "$t: an unknown release is usage (2)" 2 "$?"
	err=$("$SYSCTR_SRCDIR/templates/$t" --name x --rootfs "$d" --release "" --arch "bogus arch" --mirror "" --cache "$TROOT" --meta "$TROOT/m" 2>&1 >/dev/null)
	rc=$?
	last=$(printf '%s\n' "$err" | tail -n 1)
	case "$rc $last" in [12]" "*"arch 'bogus arch'"*) ok "$t: a bad arch is refused: $last" ;; *) not_ok "$t: bad arch: $rc $last" ;; esac
	check_out "$t: and nothing was written" 0 count_lines find "$d" -mindepth 1
done
err=$(sysctr create ubuntu "${PFX}-m" --mirror http://127.0.0.1:9/elsewhere 2>&1)
case $err in *"cannot reach http://127.0.0.1:9/elsewhere"*) ok "--mirror overrides sysctr.conf's mirror" ;; *) not_ok "--mirror: $err" ;; esac
check_exit "--mirror must be a URL (2)" 2 sysctr create ubuntu "${PFX}-m" --mirror ftp://example
n=$(sysctr templates --format json | json_get "' '.join(sorted(t['name'] for t in d))")
check_eq "templates lists all five" "alpine busybox debian local ubuntu" "$n"
rel=$(sysctr templates --format json | json_get "[t['default_release'] for t in d if t['name']=='ubuntu'][0]")
check_eq "ubuntu defaults to the current LTS" noble "$rel"

# A template that fails early leaves no temporary keyring or directory: its
# temporary files are made only once its EXIT trap is set. TMPDIR keeps
# them apart from other builds on this host.
tmpd="$TROOT/tpl-tmp"
mkdir -p "$tmpd"
for t in ubuntu alpine local; do
	d=$(mktemp -d "$TROOT/tpl.XXXXXX")
	set -- --name x --rootfs "$d" --release "" --arch "" --mirror "http://127.0.0.1:9/$t" --cache "" --meta "$TROOT/m"
	[ "$t" = local ] && set -- "$@" --source "$SYSCTR_SRCDIR/README.md"
	TMPDIR=$tmpd "$SYSCTR_SRCDIR/templates/$t" "$@" >/dev/null 2>&1
	rc=$?
	check_eq "$t: fails early (1)" 1 "$rc"
	check_out "$t: and leaves nothing in TMPDIR" "" ls -A "$tmpd"
done

# SIGHUP (the terminal of a create went away) is trapped like TERM and INT:
# one reason, and ubuntu's temporary keyring goes. A mirror that accepts
# and never answers holds it in its mirror check.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$TROOT/port" &
lpid=$!
i=0
while [ $i -lt 50 ] && [ ! -s "$TROOT/port" ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$TROOT/port")
d=$(mktemp -d "$TROOT/tpl.XXXXXX")
TMPDIR=$tmpd "$SYSCTR_SRCDIR/templates/ubuntu" --name x --rootfs "$d" --release "" --arch "" --mirror "http://127.0.0.1:$port/ubuntu" --cache "" --meta "$TROOT/m" >"$TROOT/hup.out" 2>&1 &
tpid=$!
i=0
while [ $i -lt 50 ] && ! grep -q '^@step 1/' "$TROOT/hup.out"; do sleep 0.1; i=$((i + 1)); done
[ -s /usr/share/keyrings/ubuntu-archive-keyring.gpg ] || check_out "ubuntu: its keyring is in TMPDIR while it runs" 1 count_lines find "$tmpd" -mindepth 1
signal_pid HUP "$tpid" templates/ubuntu
wait "$tpid"
rc=$?
check_eq "ubuntu: SIGHUP fails it (1)" 1 "$rc"
check_out "ubuntu: SIGHUP is the reason" "interrupted by SIGHUP" tail -n 1 "$TROOT/hup.out"
check_out "ubuntu: SIGHUP leaves nothing in TMPDIR" "" ls -A "$tmpd"
signal_pid TERM "$lpid" python3
wait "$lpid" 2>/dev/null

mirror=$(sysctr templates --format json | json_get "[t['mirror'] for t in d if t['name']=='debian'][0]")
check_eq "debian --describe names its default mirror" http://deb.debian.org/debian "$mirror"
mirror=$(sysctr templates --format json | json_get "[t['mirror'] for t in d if t['name']=='busybox'][0]")
check_eq "busybox takes no mirror (null)" None "$mirror"

# A template sysctr has never heard of gets its mirror from sysctr.conf by
# its name: no C names a distribution.
mkdir -p "$TROOT/tpl"
cat >"$TROOT/tpl/newdistro" <<'EOF'
#!/bin/sh
case $1 in --describe) printf 'description=test\ndefault_release=one\nreleases=one\nmirror=yes\nmirror_default=http://127.0.0.1:9/default\n'; exit 0 ;; esac
while [ $# -gt 0 ]; do [ "$1" = --mirror ] && m=$2; shift; done
echo "got mirror '$m'" >&2
exit 1
EOF
chmod +x "$TROOT/tpl/newdistro"
sed -i "s|templates = .*|templates = \"$TROOT/tpl\"|" "$TROOT/etc/sysctr/sysctr.conf"
sed -i '/^mirrors {/a \  newdistro = "file:///srv/newdistro"' "$TROOT/etc/sysctr/sysctr.conf"
err=$(sysctr create newdistro "${PFX}-n" 2>&1)
case $err in *"got mirror 'file:///srv/newdistro'"*) ok "a new template gets sysctr.conf's mirror by its name" ;; *) not_ok "newdistro: $err" ;; esac
err=$(sysctr create newdistro "${PFX}-n" --mirror http://127.0.0.1:9/x 2>&1)
case $err in *"got mirror 'http://127.0.0.1:9/x'"*) ok "and --mirror before it" ;; *) not_ok "newdistro --mirror: $err" ;; esac

done_testing
