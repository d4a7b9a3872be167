#!/bin/sh
# export and import on real busybox containers: a stopped container with
# snapshots round-trips byte for byte (content, owners, modes, xattrs,
# file capabilities, hard links, whiteouts) and its snapshots restore; a
# running one is exported from a snapshot and keeps running;
# --no-snapshots; --with-image into a root with no image cache; the
# hostile and damaged archives an import must refuse without leaving
# anything; a sysctr killed at every step of an import.
. "${SYSCTR_SRCDIR}/tests/integration/lib.sh"

build_killat
command -v setcap >/dev/null || skip_all "no setcap (libcap2-bin)"
command -v zstd >/dev/null || skip_all "no zstd"

c="${PFX}-ex"
cdir="$TROOT/var/lib/sysctr/containers"
layers="$cdir/.layers"
ar="$TROOT/archives"
mkdir -p "$ar"

ct_pid() { sysctr info "$1" --format json | json_get "d['pid']"; }
manifest() { tree_manifest "$1" /srv/t; }
snap_names() {
	sysctr snapshot list "$1" --format json | json_get "' '.join(x['name'] for x in d)"
}
registry_ok() {
	python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" \
		"$TROOT/var/lib/sysctr/sysctr.db"
}
image_hash() { # image_hash ROOT: the hash its registry has of its one image
	python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT hash FROM images').fetchone()[0])" "$1/var/lib/sysctr/sysctr.db"
}
layer_count() { find "$layers" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# manifest_of NAME: start it, its manifest, stop it
manifest_of() {
	"$SYSCTR" --root "$TROOT" start "$1" >/dev/null || return 1
	manifest "$1" || return 1
	"$SYSCTR" --root "$TROOT" stop -k "$1" >/dev/null
}

check "create" sysctr create busybox "$c"
check "start" sysctr start "$c"
check "write a tree with owners, modes, links and a fifo" sysctr exec "$c" -- sh -c '
	mkdir -p /srv/t/d/sub /srv/t/gone && echo one > /srv/t/f &&
	chmod 0640 /srv/t/f && chown 1000:1001 /srv/t/f && ln /srv/t/f /srv/t/hard &&
	ln -s f /srv/t/link && mkfifo /srv/t/fifo && chmod 2755 /srv/t/d &&
	echo s > /srv/t/gone/x && echo deep > /srv/t/d/sub/y &&
	cp /bin/busybox /srv/t/ping && chmod 4755 /srv/t/ping &&
	dd if=/dev/urandom of=/srv/t/bin bs=1k count=300 2>/dev/null'
pid=$(ct_pid "$c")
check "an xattr" python3 -c "import os; os.setxattr('/proc/$pid/root/srv/t/f', 'user.note', b'hello', follow_symlinks=False)"
check "a file capability" setcap cap_net_raw+ep "/proc/$pid/root/srv/t/bin"
m0=$(manifest "$c")
check "stop" sysctr stop -k "$c"
check "snapshot s1" sysctr snapshot create "$c" s1 -m "the first"
check "start" sysctr start "$c"
check "change, delete (a whiteout), replace a directory" sysctr exec "$c" -- sh -c '
	echo two > /srv/t/f && rm -rf /srv/t/gone && rm /srv/t/d/sub/y &&
	echo new > /srv/t/new && rm /bin/vi'
m1=$(manifest "$c")
check "stop" sysctr stop -k "$c"
check "snapshot s2" sysctr snapshot create "$c" s2
check "start" sysctr start "$c"
check "change again" sysctr exec "$c" -- sh -c 'echo three > /srv/t/f; mkdir -p /srv/t/gone; echo back > /srv/t/gone/z'
m2=$(manifest "$c")
check "stop" sysctr stop -k "$c"

# --- a stopped container, round trip ------------------------------------------
check_has "export of a stopped container" "2 snapshots" sysctr export "$c" "$ar/a.tar.zst"
check_out "the archive is root's alone (0600)" 600 stat -c %a "$ar/a.tar.zst"
check_out "no temporary file is left beside it" "a.tar.zst" ls -A "$ar"
check "GNU tar reads it" sh -c "tar --zstd -tf '$ar/a.tar.zst' >/dev/null"
check_out "its first member is the index" index.json sh -c "tar --zstd -tf '$ar/a.tar.zst' | head -1"
check_out "its last member the checksums" checksums.json sh -c "tar --zstd -tf '$ar/a.tar.zst' | tail -1"
check_out "owners in the archive are the container's, not the host's" "" sh -c "tar --zstd --numeric-owner -tvf '$ar/a.tar.zst' | awk '{split(\$2, o, \"/\"); if (o[1] >= 65536) print}'"
check "destroy the container" sysctr destroy "$c"
check_out "no layer is left" 0 layer_count
check_has "import" "image from this host's cache" sysctr import "$ar/a.tar.zst"
check_out "its snapshots came along" "s1 s2" snap_names "$c"
check_out "the s1 comment too" "the first" json_of "d[0]['comment']" sysctr snapshot list "$c" --format json
check_out "it is based on s2" "s2" json_of "[x['name'] for x in d if x.get('current')][0]" sysctr snapshot list "$c" --format json
check "start it" sysctr start "$c"
check_eq "its files are as exported, byte for byte" "$m2" "$(manifest "$c")"
check_out "its hostname" "$c" sysctr exec "$c" -- hostname
check_exit "the whiteout holds: /bin/vi is gone" 1 sysctr exec "$c" -- test -e /bin/vi
check "restore s1" sysctr snapshot restore "$c" s1 --force
check "start" sysctr start "$c"
check_eq "s1 is as it was cut" "$m0" "$(manifest "$c")"
check "restore s2" sysctr snapshot restore "$c" s2 --force
check "start" sysctr start "$c"
check_eq "s2 too" "$m1" "$(manifest "$c")"
check_has "history has the import" import sysctr history "$c"
check_has "and the export" export sysctr history "$c"

# --- a running container ---------------------------------------------------
snaps_before=$(snap_names "$c")
check_has "export of a running container says it froze it" "frozen for" sysctr export "$c" "$ar/run.tar.zst"
check_out "it still runs" RUNNING json_of "d['state']" sysctr info "$c" --format json
check "and answers" timeout 20 "$SYSCTR" --root "$TROOT" exec "$c" -- true
check_out "the export's snapshot is gone" "$snaps_before" snap_names "$c"
mrun=$(manifest "$c")
check_has "import under another name" "${PFX}-ex2" sysctr import "$ar/run.tar.zst" "${PFX}-ex2"
check_eq "it is the running container's state" "$mrun" "$(manifest_of "${PFX}-ex2")"
check_out "with its own hostname" "${PFX}-ex2" sh -c "'$SYSCTR' --root '$TROOT' start '${PFX}-ex2' >/dev/null && '$SYSCTR' --root '$TROOT' exec '${PFX}-ex2' -- hostname"
check "stop it" sysctr stop -k "${PFX}-ex2"
check "the archive replaces an older one of the same name" sysctr export "$c" "$ar/run.tar.zst"
check_out "and leaves no temporary name" "run.tar.zst" sh -c "ls -A '$ar' | grep run"
check_exit "an export killed before its file appears" 137 env SYSCTR_TEST_KILL="linkat:killed.tar.zst" LD_PRELOAD="$killat" "$SYSCTR" --root "$TROOT" export "$c" "$ar/killed.tar.zst"
check_out "leaves no file" "" sh -c "ls -A '$ar' | grep killed; true"
check_has "but the snapshot it read from" "export-" snap_names "$c"
check_out "which the next export removes" "$snaps_before" sh -c "'$SYSCTR' --root '$TROOT' export '$c' '$ar/killed.tar.zst' >/dev/null && '$SYSCTR' --root '$TROOT' snapshot list '$c' --format json | python3 -c 'import json,sys; print(\" \".join(x[\"name\"] for x in json.load(sys.stdin)))'"
check_out "it was made whole" "killed.tar.zst" sh -c "ls -A '$ar' | grep killed"

# --- --no-snapshots ---------------------------------------------------------------
check "stop" sysctr stop -k "$c"
check_has "export --no-snapshots" "0 snapshots" sysctr export "$c" "$ar/nos.tar.zst" --no-snapshots
check "import it" sysctr import "$ar/nos.tar.zst" "${PFX}-ex3"
check_out "it has no snapshot" "" snap_names "${PFX}-ex3"
check_eq "and the same files" "$(manifest_of "$c")" "$(manifest_of "${PFX}-ex3")"

# --- errors -------------------------------------------------------------------------
check_exit "import to a name that exists: state (4)" 4 sysctr import "$ar/a.tar.zst" "${PFX}-ex3"
check_exit "import of a missing file: not found (3)" 3 sysctr import "$ar/nosuch.tar.zst" "${PFX}-ex9"
check_exit "import to a bad name: usage (2)" 2 sysctr import "$ar/a.tar.zst" -- -bad
check_exit "export of a missing container: not found (3)" 3 sysctr export "${PFX}-nosuch" "$ar/x.tar.zst"
check_exit "export into a missing directory fails (1)" 1 sysctr export "$c" "$ar/nodir/x.tar.zst"
check_exit "export to a directory: usage (2)" 2 sysctr export "$c" "$ar"
check_exit "export without FILE: usage (2)" 2 sysctr export "$c"

# --- with the image, into a root that has no image -----------------------------------
R2=$(mktemp -d /tmp/sysctr-test2.XXXXXX)
chmod 0711 "$R2"
TEST_CLEANUP_EXTRA="for x in \$('$SYSCTR' --root '$R2' list --format json 2>/dev/null | python3 -c 'import json,sys; [print(c[\"name\"]) for c in json.load(sys.stdin)]' 2>/dev/null); do '$SYSCTR' --root '$R2' destroy -f \$x >/dev/null 2>&1; done; rm -rf '$R2'"
mkdir -p "$R2/etc/sysctr"
cat >"$R2/etc/sysctr/sysctr.conf" <<CONF
paths {
  templates = "$SYSCTR_SRCDIR/templates"
  images = "$R2/images"
}
network {
  mode = "none"
}
CONF
check_has "export --with-image" "with its image" sysctr export "$c" "$ar/img.tar.zst" --with-image
check_has "import where no image is cached" "image from the archive" "$SYSCTR" --root "$R2" import "$ar/img.tar.zst"
check_out "the image is registered there" 1 json_of "len(d)" "$SYSCTR" --root "$R2" images list --format json
mhere=$(manifest_of "$c")
check "it starts there" "$SYSCTR" --root "$R2" start "$c"
check_eq "with the same files" "$mhere" "$(tree_manifest "$c" /srv/t "$R2")"
check "stop it" "$SYSCTR" --root "$R2" stop -k "$c"
# image_manifest DIR|TAR: the image's rootfs as a tree on disk or as the
# image/rootfs members of an uncompressed archive: name, mode, owners,
# mtime, content, link target, one line each
image_manifest() {
	python3 - "$1" <<'PY'
import hashlib, os, stat, sys, tarfile
src = sys.argv[1]
out = []
if os.path.isdir(src):
    for dirpath, dirs, files in os.walk(src):
        for name in sorted(dirs + files) + ([None] if dirpath == src else []):
            p = dirpath if name is None else os.path.join(dirpath, name)
            st = os.lstat(p)
            line = [os.path.relpath(p, src), oct(st.st_mode), str(st.st_uid), str(st.st_gid), str(int(st.st_mtime))]
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    line.append(hashlib.sha256(f.read()).hexdigest()[:16])
            if stat.S_ISLNK(st.st_mode):
                line.append("-> " + os.readlink(p))
            out.append(" ".join(line))
else:
    sums = {}
    with tarfile.open(src) as t:
        for m in t.getmembers():
            if m.name != "image/rootfs" and not m.name.startswith("image/rootfs/"):
                continue
            rel = os.path.relpath(m.name, "image/rootfs")
            mode = {tarfile.DIRTYPE: stat.S_IFDIR, tarfile.SYMTYPE: stat.S_IFLNK,
                    tarfile.CHRTYPE: stat.S_IFCHR, tarfile.FIFOTYPE: stat.S_IFIFO}.get(m.type, stat.S_IFREG)
            line = [rel, oct(mode | m.mode), str(m.uid), str(m.gid), str(int(m.mtime))]
            if m.isfile():
                sums[m.name] = hashlib.sha256(t.extractfile(m).read()).hexdigest()[:16]
                line.append(sums[m.name])
            elif m.islnk():
                line.append(sums[m.linkname])
            if m.issym():
                line.append("-> " + m.linkname)
            out.append(" ".join(line))
print("\n".join(sorted(out)))
PY
}
img_dir() { # img_dir ROOT: the one image directory of that root
	"$SYSCTR" --root "$1" images list --format json | json_get "d[0]['path']"
}
zstd -q -d -c "$ar/img.tar.zst" >"$ar/img.tar"
i2=$(img_dir "$R2")
check_out "the image is written once there, shifted (no rootfs of its own yet)" "rootfs.idmap-100000-65536" sh -c "ls '$i2' | grep rootfs"
check_has "a second import takes the image from the cache" "image from this host's cache" "$SYSCTR" --root "$R2" import "$ar/img.tar.zst" "${PFX}-ex4"
check "matching the cache made its rootfs from the shifted copy" test -d "$i2/rootfs"
check_eq "which is the archive's image exactly" "$(image_manifest "$ar/img.tar")" "$(image_manifest "$i2/rootfs")"
check_out "and left no temporary copy" "rootfs rootfs.idmap-100000-65536" sh -c "ls '$i2' | grep rootfs | xargs"
h1=$(image_hash "$TROOT")
check_out "the exporter's image has a hash" 64 sh -c "printf %s '$h1' | wc -c"
check_eq "the image's hash here is the exporter's" "$h1" "$(image_hash "$R2")"

# a privileged container of an image that came shifted: its rootfs is made
# when the container is
R3="$R2/r3"
mkdir -p "$R3/etc/sysctr"
sed "s|$R2/images|$R3/images|" "$R2/etc/sysctr/sysctr.conf" >"$R3/etc/sysctr/sysctr.conf"
TEST_CLEANUP_EXTRA="for x in \$('$SYSCTR' --root '$R3' list --format json 2>/dev/null | python3 -c 'import json,sys; [print(c[\"name\"]) for c in json.load(sys.stdin)]' 2>/dev/null); do '$SYSCTR' --root '$R3' destroy -f \$x >/dev/null 2>&1; done; $TEST_CLEANUP_EXTRA"
check "import into a third root" "$SYSCTR" --root "$R3" import "$ar/img.tar.zst"
i3=$(img_dir "$R3")
check_exit "a create killed while the image's rootfs is made" 137 env SYSCTR_TEST_KILL="rename:rootfs.tmp" LD_PRELOAD="$killat" "$SYSCTR" --root "$R3" create busybox "${PFX}-pk" --set security.privileged=true
check "leaves the image without a rootfs of its own" test ! -e "$i3/rootfs"
check_exit "and no container" 3 "$SYSCTR" --root "$R3" info "${PFX}-pk"
check "a privileged container of that image" "$SYSCTR" --root "$R3" create busybox "${PFX}-pr" --set security.privileged=true
check_out "the next one finished it, the half-made copy gone" "rootfs rootfs.idmap-100000-65536" sh -c "ls '$i3' | grep rootfs | xargs"
check_eq "made the image's rootfs, exactly the archive's" "$(image_manifest "$ar/img.tar")" "$(image_manifest "$i3/rootfs")"
check "it starts" "$SYSCTR" --root "$R3" start "${PFX}-pr"
check_out "with root's files root's" "0 0" "$SYSCTR" --root "$R3" exec "${PFX}-pr" -- stat -c "%u %g" /bin/busybox
check "stop it" "$SYSCTR" --root "$R3" stop -k "${PFX}-pr"
check "an export --with-image from there" "$SYSCTR" --root "$R3" export "$c" "$ar/img3.tar.zst" --with-image
check_eq "carries the same image" "$(image_manifest "$ar/img.tar")" "$(zstd -q -d -c "$ar/img3.tar.zst" >"$ar/img3.tar" && image_manifest "$ar/img3.tar")"

# an image member whose owner is beyond the id range cannot come back from
# the shifted copy: from that member on the rootfs is written as it is too
# (a file in the middle; the rootfs's own directory, the first member)
for where in middle top; do
	far=$(python3 - "$ar/img.tar" "$ar/far-$where.tar" "$where" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], format=tarfile.PAX_FORMAT) as t:
    members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
files = [m.name for m, d in members if m.isfile() and m.name.startswith("image/rootfs/")]
far = files[len(files) // 2] if sys.argv[3] == "middle" else "image/rootfs"
with tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT) as o:
    for m, d in members:
        if m.name.rstrip("/") == far:
            m.uid, m.gid = 70000, 70001
        o.addfile(m, io.BytesIO(d) if d is not None else None)
print(far)
PY
)
	zstd -q -f "$ar/far-$where.tar" -o "$ar/far-$where.tar.zst"
	R4="$R2/r4-$where"
	mkdir -p "$R4/etc/sysctr"
	sed "s|$R2/images|$R4/images|" "$R2/etc/sysctr/sysctr.conf" >"$R4/etc/sysctr/sysctr.conf"
	TEST_CLEANUP_EXTRA="for x in \$('$SYSCTR' --root '$R4' list --format json 2>/dev/null | python3 -c 'import json,sys; [print(c[\"name\"]) for c in json.load(sys.stdin)]' 2>/dev/null); do '$SYSCTR' --root '$R4' destroy -f \$x >/dev/null 2>&1; done; $TEST_CLEANUP_EXTRA"
	check "import of an image with an owner beyond the range ($where)" "$SYSCTR" --root "$R4" import "$ar/far-$where.tar.zst"
	i4=$(img_dir "$R4")
	check "writes the image's rootfs at once ($where)" test -d "$i4/rootfs"
	check_eq "exactly the archive's, that owner kept ($where)" "$(image_manifest "$ar/far-$where.tar")" "$(image_manifest "$i4/rootfs")"
	rel=${far#image/rootfs}
	check_out "the shifted copy has the map's nobody there ($where)" "165534 165534" stat -c "%u %g" "$i4/rootfs.idmap-100000-65536$rel"
	if [ "$where" = middle ]; then
		check "the container starts there" "$SYSCTR" --root "$R4" start "$c"
		check "stop it" "$SYSCTR" --root "$R4" stop -k "$c"
	fi
done

# --- hostile and damaged archives ---------------------------------------------------
# Each is made from a good archive with Python's tarfile; the import must
# fail with one clear line and leave nothing: no container, no directory,
# no layer, a whole registry, nothing outside the root.
rm -rf /tmp/"${PFX}"-evil*
mkdir "/tmp/${PFX}-evil-target"
TEST_CLEANUP_EXTRA="$TEST_CLEANUP_EXTRA; rm -rf /tmp/${PFX}-evil*"
zstd -q -d -c "$ar/a.tar.zst" >"$ar/good.tar"
evil() { # evil KIND OUT: a variant of good.tar
	python3 - "$ar/good.tar" "$2" "$1" "/tmp/${PFX}-evil" <<'PY'
import io, sys, tarfile
src, out, kind, evil = sys.argv[1:5]
with tarfile.open(src, format=tarfile.PAX_FORMAT) as t:
    members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
def mk(name, typ=tarfile.REGTYPE, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    ti.type = typ
    ti.size = len(data) if typ == tarfile.REGTYPE else 0
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti, data if typ == tarfile.REGTYPE else None
extra = []
if kind == "dotdot":
    extra = [mk("upper/../../../../../../" + evil[1:] + "-dotdot", data=b"x")]
elif kind == "absolute":
    extra = [mk(evil + "-abs", data=b"x")]
elif kind == "symlink":
    extra = [mk("upper/link", tarfile.SYMTYPE, linkname=evil + "-target"),
             mk("upper/link/pwned", data=b"x")]
elif kind == "hardlink":
    extra = [mk("upper/hl", tarfile.LNKTYPE, linkname="/etc/passwd")]
elif kind == "blockdev":
    extra = [mk("upper/sda", tarfile.BLKTYPE, devmajor=8, devminor=0)]
elif kind == "chardev":
    extra = [mk("upper/mem", tarfile.CHRTYPE, devmajor=1, devminor=1)]
elif kind == "unknown":
    extra = [mk("etc/passwd", data=b"x")]
elif kind == "twice":
    f = next(m for m, d in members if m.isfile() and m.name.startswith("upper/"))
    extra = [mk(f.name, data=b"again")]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as o:
    done = False
    for m, data in members:
        if m.name == "checksums.json" and not done:
            for ti, d in extra:
                o.addfile(ti, io.BytesIO(d) if d is not None else None)
            done = True
        if kind == "badsum" and m.isfile() and m.name.startswith("layers/") and data:
            data = bytes([data[0] ^ 1]) + data[1:]
        o.addfile(m, io.BytesIO(data) if data is not None else None)
PY
}
nlayers=$(layer_count)
for kind in dotdot absolute symlink hardlink blockdev chardev unknown twice badsum truncated corrupt notar; do
	f="$ar/$kind.tar.zst"
	case $kind in
	truncated) head -c "$(($(stat -c %s "$ar/a.tar.zst") / 2))" "$ar/a.tar.zst" >"$f" ;;
	corrupt) cp "$ar/a.tar.zst" "$f" && printf 'XXXXXXXXXXXXXXXX' | dd of="$f" bs=1 seek=2000 conv=notrunc 2>/dev/null ;;
	notar) head -c 100000 /dev/urandom >"$f" ;;
	*) evil "$kind" "$ar/$kind.tar" && zstd -q -f "$ar/$kind.tar" -o "$f" ;;
	esac
	n="${PFX}-h$kind"
	check_exit "a $kind archive is refused (1)" 1 sysctr import "$f" "$n"
	check_out "with one line ($kind)" 1 sh -c "'$SYSCTR' --root '$TROOT' import '$f' '$n' 2>&1 | grep -vc '^+ '"
	check_exit "no container ($kind)" 3 sysctr info "$n"
	check_out "no directory ($kind)" 0 sh -c "ls -d '$cdir/$n' '$cdir/.new-$n'.* 2>/dev/null | wc -l"
	check_out "no layer ($kind)" "$nlayers" layer_count
	check_out "the registry is whole ($kind)" ok registry_ok
done
check_out "nothing was written outside the root" "" sh -c "ls -d /tmp/${PFX}-evil-dotdot /tmp/${PFX}-evil-abs /tmp/${PFX}-evil-target/* 2>/dev/null; true"
check_has "a symlink escape names itself" "symbolic link" sh -c "'$SYSCTR' --root '$TROOT' import '$ar/symlink.tar.zst' '${PFX}-hx' 2>&1; true"
check_has "a bad checksum names the file" "does not match its checksum" sh -c "'$SYSCTR' --root '$TROOT' import '$ar/badsum.tar.zst' '${PFX}-hx' 2>&1; true"

# --- killed at each step of an import ------------------------------------------------
# The import's renames: container.conf (1), the upper and the layers into
# place (2-4), the container's directory inside the commit (5), then the
# layers into the layer store (6-7). Before the commit nothing may stay;
# after it the next command finishes the move.
for at in 1 2 3 4 5 6 7; do
	n="${PFX}-k$at"
	check_exit "import killed at rename $at" 137 env SYSCTR_TEST_KILL="rename:$at" LD_PRELOAD="$killat" "$SYSCTR" --root "$TROOT" import "$ar/a.tar.zst" "$n"
	if "$SYSCTR" --root "$TROOT" info "$n" >/dev/null 2>&1; then
		check_eq "it is whole (rename $at)" "$m2" "$(manifest_of "$n")"
		check_out "with its snapshots (rename $at)" "s1 s2" snap_names "$n"
		check "destroy it" sysctr destroy "$n"
	else
		check "a new import of the name works (rename $at)" sysctr import "$ar/a.tar.zst" "$n"
		check_out "and leaves no leftover (rename $at)" 0 sh -c "ls -d '$cdir/.new-$n'.* 2>/dev/null | wc -l"
		check "destroy it" sysctr destroy "$n"
	fi
	check_out "the registry is whole (rename $at)" ok registry_ok
done
check_out "no stray layer is left" "$nlayers" layer_count

done_testing
