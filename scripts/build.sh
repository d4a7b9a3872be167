#!/bin/sh
# Configure and build in ./build (out of tree). Extra arguments go to
# configure, e.g. --enable-werror.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
NOCONFIGURE=1 ./autogen.sh
mkdir -p build
cd build
../configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run "$@"
make -j"$(nproc)"
