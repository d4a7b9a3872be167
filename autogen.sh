#!/bin/sh
# Regenerate the build system; then run ./configure unless NOCONFIGURE is set.
set -eu
cd "$(dirname "$0")"
for tool in autoreconf pkg-config; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "autogen.sh: $tool is missing: install the packages in scripts/debian-packages.txt" >&2
		exit 1
	fi
done
autoreconf -fi
if [ -z "${NOCONFIGURE:-}" ]; then
	exec ./configure "$@"
fi
