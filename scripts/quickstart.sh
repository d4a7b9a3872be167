#!/bin/sh
# Fresh Debian 12, as root: install the dependencies, build, install, then
# create and start a Debian container (default name web1) and wait for its
# systemd to come up.
set -eu
name=${1:-web1}
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
make -C "$top/build" install
sysctr create debian "$name"
sysctr start "$name"
# systemd's bus needs a moment after the start; "degraded" is up too.
tries=0
while :; do
	state=$(sysctr exec "$name" -- systemctl is-system-running --wait) || true
	case $state in
	running | degraded) echo "$name: systemd is $state"; break ;;
	esac
	tries=$((tries + 1))
	[ "$tries" -lt 20 ] || { echo "$name: systemd did not come up ($state)" >&2; exit 1; }
	sleep 1
done
sysctr list
