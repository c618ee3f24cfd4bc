#!/bin/sh
# Builds vmcorefs with warnings as errors and runs every test: unit tests, then the real-QEMU
# harness (QEMU from Debian's source, cached outside the checkout) and the checks against QEMU,
# crash, drgn, makedumpfile and readelf. Run scripts/install-deps.sh (as root) first.
# Usage: scripts/test.sh [BUILD_DIR]   (default: build)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMCOREFS_WERROR=ON
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure --timeout 1800 -j2
