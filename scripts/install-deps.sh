#!/bin/sh
# Install the Debian packages of scripts/debian-packages.txt (run as root).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pkgs=$(grep -v '^[[:space:]]*#' "$here/debian-packages.txt" | tr '\n' ' ')
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (sudo $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q --no-install-recommends $pkgs
