# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh disable=SC2034,SC2154 # shares variables with lib/template.sh and the template
#
# The debootstrap family (debian, ubuntu): one build, each distribution
# giving its archive, keyring and releases. Sourced after lib/template.sh,
# never run. The template sets PROG, DESCRIPTION, DEFAULT_RELEASE,
# KNOWN_RELEASES and LXC_COMMON, defines
#
#	default_mirror		its mirror for $arch
#	check_release		refuse a release that is not its own; may set
#				$script, debootstrap's script for it
#	prepare			after the traps: what debootstrap needs (a
#				keyring); may add to $deb_options and $banner
#	resolved_is_separate	does $release package systemd-resolved apart
#	configure_apt		its sources.list
#
# and ends with: debootstrap_main "$@"

STEPS=4
# What a full OS needs on top of minbase to boot systemd, get an address,
# resolve names and give a console login (login itself is in minbase).
PACKAGES=systemd-sysv,dbus,libpam-systemd,iproute2,iputils-ping,procps
PACKAGES=$PACKAGES,netbase,ca-certificates,less
# Units to mask, each with its reason. Privileged containers on LXC 5.0.2
# reach "running" without any; in an unprivileged one (sysctr's default)
# debugfs cannot be mounted, and sys-kernel-debug.mount fails and leaves the
# system "degraded". Nothing in a container needs the host's debugfs.
MASK_UNITS="sys-kernel-debug.mount"
DEBIAN_FRONTEND=noninteractive
export DEBIAN_FRONTEND
script=
deb_options=
banner=

describe()
{
	printf 'description=%s\n' "$DESCRIPTION"
	printf 'default_release=%s\n' "$DEFAULT_RELEASE"
	printf 'releases=%s\n' "$KNOWN_RELEASES"
	printf 'mirror=yes\n'
	arch=$(host_arch)
	printf 'mirror_default=%s\n' "$(default_mirror)"
}

# debootstrap's second stage runs the target's binaries on this kernel, so
# only the host's arch and the ones its CPU runs natively are offered.
check_arch()
{
	[ "$arch" = "$1" ] && return 0
	case "$1:$arch" in
	amd64:i386|arm64:armhf|arm64:armel|armhf:armel) return 0 ;;
	esac
	die "cannot build $arch on a $1 host"
}

# Fail in seconds, with the cause, rather than after debootstrap's retries.
check_mirror()
{
	url="$mirror/dists/$release/Release"
	case $mirror in
	file://*)
		[ -r "${mirror#file://}/dists/$release/Release" ] ||
			die "cannot reach $mirror: no dists/$release/Release there"
		return 0
		;;
	http://*|https://*|ftp://*) ;;
	*) usage "--mirror must be an http://, https://, ftp:// or file:// URL" ;;
	esac
	command -v wget >/dev/null 2>&1 ||
		die "cannot reach $mirror: wget is not installed (debootstrap needs it)"
	rc=0
	out=$(wget -S --spider -T 10 -t 1 "$url" 2>&1) || rc=$?
	[ "$rc" -eq 0 ] && return 0
	printf '%s\n' "$out"
	case $rc in
	4)
		why=$(printf '%s\n' "$out" | grep -v '^ *$' | tail -n 1 |
			sed 's/^wget: //')
		die "cannot reach $mirror: network failure: ${why:-no answer in 10 s}"
		;;
	5) die "cannot reach $mirror: TLS certificate verification failed" ;;
	6) die "cannot reach $mirror: the server asks for credentials" ;;
	8)
		why=$(printf '%s\n' "$out" | grep '^ *HTTP/' | tail -n 1 |
			sed 's/^ *HTTP\/[0-9.]* //')
		die "cannot reach $mirror: dists/$release/Release: ${why:-server error} (is '$release' a release on this mirror?)"
		;;
	*) die "cannot reach $mirror: wget exit status $rc fetching $url" ;;
	esac
}

# systemctl --root works offline on the tree, with the target's own systemd
# reading the [Install] sections: no PID 1, no /proc, no bus needed.
tsystemctl()
{
	chroot "$rootfs" systemctl --root=/ --quiet "$@" 2>&1
}

configure_network()
{
	mkdir -p "$rootfs/etc/systemd/network"
	cat >"$rootfs/etc/systemd/network/eth0.network" <<-EOF
	# Written by the sysctr $PROG template: DHCP (v4 and v6) on eth0.
	# sysctr may replace this file for a static address.
	[Match]
	Name=eth0

	[Network]
	DHCP=yes

	[DHCPv4]
	# the DHCP server's domain is searched: other containers answer to
	# their bare names (sysctr's managed bridge gives NAME and
	# NAME.DOMAIN)
	UseDomains=yes
	EOF
	tsystemctl enable systemd-networkd.service
	# network-online.target would wait up to 2 minutes for a lease that
	# never comes in a container without a network; nothing here needs it.
	tsystemctl disable systemd-networkd-wait-online.service

	# The DNS servers DHCP hands out reach /etc/resolv.conf only through
	# resolved. Its package usually makes the link itself.
	tsystemctl enable systemd-resolved.service
	rm -f "$rootfs/etc/resolv.conf"
	ln -s ../run/systemd/resolve/stub-resolv.conf "$rootfs/etc/resolv.conf"

	cat >"$rootfs/etc/hosts" <<-'EOF'
	127.0.0.1	localhost
	::1		localhost ip6-localhost ip6-loopback
	ff02::1		ip6-allnodes
	ff02::2		ip6-allrouters
	EOF
	# A placeholder: the image is shared by every container made from it,
	# and sysctr writes the container's own name here.
	echo localhost >"$rootfs/etc/hostname"
}

configure_systemd()
{
	# Empty, not removed: systemd then makes a new id on each container's
	# first boot and commits it (ConditionFirstBoot).
	: >"$rootfs/etc/machine-id"
	if [ -e "$rootfs/var/lib/dbus/machine-id" ] ||
	   [ -L "$rootfs/var/lib/dbus/machine-id" ]; then
		rm -f "$rootfs/var/lib/dbus/machine-id"
		ln -s /etc/machine-id "$rootfs/var/lib/dbus/machine-id"
	fi

	# getty@.service only runs where /dev/tty0 exists, which a container
	# never has, so lxc-console on tty1..N would find nobody. Run a getty
	# on each tty liblxc made (lxc.tty.max) and skip the others cleanly.
	# /dev/console gets console-getty.service from systemd's generator.
	mkdir -p "$rootfs/etc/systemd/system/getty@.service.d"
	cat >"$rootfs/etc/systemd/system/getty@.service.d/sysctr-container.conf" <<-'EOF'
	[Unit]
	ConditionPathExists=
	ConditionPathExists=/dev/%I
	EOF
	for n in 1 2 3 4; do
		tsystemctl enable "getty@tty$n.service"
	done

	# Units with nothing to do in a container, that fail there instead of
	# being skipped by a Condition and leave the system "degraded".
	for u in $MASK_UNITS; do
		tsystemctl mask "$u"
	done
}

clean_up()
{
	chroot "$rootfs" apt-get clean 2>&1
	# Like the distribution's own container images: the lists are stale
	# by the time the image is used, run apt-get update first.
	find "$rootfs/var/lib/apt/lists" -mindepth 1 -maxdepth 1 \
		! -name partial ! -name lock -exec rm -rf {} +
	rm -f "$rootfs"/etc/ssh/ssh_host_*
	rm -f "$rootfs/var/log/bootstrap.log"
	# debootstrap copies these from the host; they must not leak into
	# every container.
	[ -L "$rootfs/etc/resolv.conf" ] || rm -f "$rootfs/etc/resolv.conf"
}

# Root has no password ("*" after debootstrap, "!" from passwd -l): nobody
# logs in as root with a password; admins use sysctr shell (lxc-attach).
lock_root()
{
	chroot "$rootfs" usermod -p '!*' root
}

debootstrap_main()
{
	tpl_parse_args "$@"
	tpl_check_target
	command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed"

	release=${release:-$DEFAULT_RELEASE}
	case $release in
	*[!a-z0-9.-]*|'') usage "invalid release '$release'" ;;
	esac
	check_release
	harch=$(host_arch)
	arch=${arch:-$harch}
	case $arch in
	*[!a-z0-9]*|'') usage "invalid arch '$arch'" ;;
	esac
	check_arch "$harch"
	mirror=${mirror:-$(default_mirror)}
	mirror=${mirror%/}

	tpl_start
	prepare
	printf '%s template: name=%s release=%s arch=%s mirror=%s cache=%s%s\n' \
		"$PROG" "$name" "$release" "$arch" "$mirror" "${cache:-none}" \
		"$banner"

	step 1 "checking mirror $mirror"
	check_mirror

	step 2 "debootstrap $release $arch (download and install)"
	packages=$PACKAGES
	resolved_is_separate && packages=$packages,systemd-resolved
	# shellcheck disable=SC2086 # options without blanks, one word each
	set -- --variant=minbase --include="$packages" --arch="$arch" $deb_options
	if [ -n "$cache" ]; then
		mkdir -p "$cache/$PROG/debs"
		set -- "$@" --cache-dir="$cache/$PROG/debs"
		# Two builds sharing the cache would download the same .deb at
		# once.
		exec 9>"$cache/$PROG/.lock"
		flock 9
	fi
	# shellcheck disable=SC2086 # $script is empty or one path without blanks
	run_child debootstrap "$@" "$release" "$rootfs" "$mirror" $script
	[ "$rc" -eq 0 ] || die "debootstrap failed (exit status $rc): see log"
	exec 9>&-

	step 3 "configuring $release for a container"
	configure_network
	configure_systemd
	configure_apt
	lock_root

	step 4 "cleaning up"
	clean_up
	write_meta init=systemd halt_signal=SIGRTMIN+3 "lxc_common=$LXC_COMMON"
	printf '%s template: done\n' "$PROG"
}
