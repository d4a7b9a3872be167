#!/bin/sh
# Fresh Debian 12, as root: install the dependencies, build, install, then
# create and start a Debian container (default name web1), returning once
# its systemd is up.
set -eu
name=${1:-web1}
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
make -C "$top/build" install
# the containers marked for autostart come back at boot
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	systemctl enable sysctr.service
else
	echo "systemd does not run here: enable sysctr.service once it does"
fi
sysctr create debian "$name"
# --wait: returns once its systemd is up (running or degraded), so the
# next command finds its bus
sysctr start "$name" --wait
# "degraded" (a unit failed) exits 1 and is up too
sysctr exec "$name" -- systemctl is-system-running || true
sysctr list
