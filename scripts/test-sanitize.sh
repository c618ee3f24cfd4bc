#!/bin/sh
# Builds vmcorefs with clang, AddressSanitizer and UBSan (plus libFuzzer's coverage, for fuzz/) and
# runs under them the unit tests, the real-QEMU tests on the scenarios scripts/test.sh has made in
# MAIN_BUILD (no guest is booted again), and each fuzz target for 60 s. A sanitizer report fails
# the run wherever it happens, also in a mounted vmcorefs daemon whose stderr nobody reads: reports
# are written to files and checked at the end. The peers tests (crash, drgn, makedumpfile) are
# left to scripts/test.sh: they test the same bytes and take minutes.
# Usage: scripts/test-sanitize.sh [MAIN_BUILD [BUILD [CTEST_ARGS...]]]
#        (defaults: build, build-sanitize; run scripts/test.sh MAIN_BUILD first)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
main=${1:-$top/build}
build=${2:-$top/build-sanitize}
if [ $# -gt 2 ]; then shift 2; else set --; fi # what is left goes to ctest
[ -d "$main/scenarios" ] || { echo "test-sanitize: no $main/scenarios: run scripts/test.sh first" >&2; exit 1; }
main=$(cd "$main" && pwd)

cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMCOREFS_WERROR=ON \
	-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DVMCOREFS_FUZZ=ON \
	-DVMCOREFS_SCENARIO_DIR="$main/scenarios"
cmake --build "$build"

reports=$build/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# log_path: one file per process that reports (ASan appends the pid), daemons included.
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
# -E/-FA: no harness.* test (they would boot QEMU again and rewrite MAIN_BUILD's scenarios);
# -bigmem: the harness removes that scenario's 11 GB of cores once scripts/test.sh is done.
status=0
ctest --test-dir "$build" --output-on-failure --timeout 1800 -j2 -L 'unit|qemu|fuzz' -LE peers \
	-E '^harness\.|-bigmem' -FA '^harness_' "$@" || status=$?
found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
	for f in $found; do echo "=== $f"; cat "$f"; done >&2
	echo "test-sanitize: sanitizer reports above" >&2
	exit 1
fi
exit $status
