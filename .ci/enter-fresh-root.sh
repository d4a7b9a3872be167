#!/bin/sh
# Run in a private mount namespace (see .ci/run): make $1 the root with
# pivot_root (not chroot: the kernel refuses user namespaces to a chrooted
# process, and unprivileged containers need them), then run the README's
# quick start, its test command and scripts/ci-checks.sh there with a
# clean environment.
set -eu
new=$1
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

# shellcheck disable=SC2016 # the script runs in the new root's shell
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 sh -c '
cd /root/project
status=0
echo "== ./scripts/quickstart.sh"
./scripts/quickstart.sh || status=$?
if [ "$status" -eq 0 ]; then
	echo "== ./scripts/run-tests.sh"
	./scripts/run-tests.sh || status=$?
fi
# formatting, shellcheck, the unit tests under ASan+UBSan, make distcheck
if [ "$status" -eq 0 ]; then
	echo "== ./scripts/ci-checks.sh"
	./scripts/ci-checks.sh || status=$?
fi
# the quick start left web1 running: its processes must not outlive the run
if command -v sysctr >/dev/null; then
	sysctr destroy -f web1 >/dev/null 2>&1 || true
fi
exit "$status"
'
