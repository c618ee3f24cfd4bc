#!/bin/sh
# Checks the code's layout and the shell scripts (scripts/lint.sh), builds vmcorefs with warnings
# as errors and runs every test: unit tests, then the real-QEMU harness (QEMU from Debian's source,
# cached outside the checkout) and the checks against QEMU, crash, drgn, makedumpfile and readelf.
# Run scripts/install-deps.sh (as root) first.
# Usage: scripts/test.sh [--quick] [BUILD_DIR]   (default: build)
#   --quick  the unit tests and every check of one x86_64 and one arm64 guest (the panic and
#            panic-arm64 scenarios, booted if they are not there yet): a few minutes once QEMU
#            is built, for a change that needs a look at real QEMU before the whole run
set -eu
quick=
if [ "${1:-}" = --quick ]; then
	quick=1
	shift
fi
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
"$top/scripts/lint.sh"
cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMCOREFS_WERROR=ON
cmake --build "$build"
if [ -z "$quick" ]; then
	exec ctest --test-dir "$build" --output-on-failure --timeout 1800 -j2
fi
ctest --test-dir "$build" --output-on-failure -j2 -L unit
exec ctest --test-dir "$build" --output-on-failure --timeout 1800 -j2 \
	-R '(^|\.)(panic|panic-arm64)(\.|$)' -E '^mutate\.'
