#!/bin/sh
# Run in a private mount namespace (see .ci/run): make $1 the root with
# pivot_root (not chroot: the kernel refuses user namespaces to a chrooted
# process, and unprivileged containers need them), then run the README's
# quick start, its test command and scripts/ci-checks.sh there with a
# clean environment.
set -eu
new=$1
[ -n "${2:-}" ] || { echo "usage: $0 ROOT COMMANDS" >&2; exit 2; }
mount --bind "$new" "$new"
mount --rbind /dev "$new/dev"
mount -t proc proc "$new/proc"
mount --rbind /sys "$new/sys"
mount -t tmpfs -o mode=0755 tmpfs "$new/run"
cd "$new"
mkdir -p .oldroot
pivot_root . .oldroot
cd /
umount -l /.oldroot
rmdir /.oldroot

exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 CI="${CI:-true}" sh -c "$2"
