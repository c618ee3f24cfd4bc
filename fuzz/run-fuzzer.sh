#!/bin/sh
# Runs one libFuzzer target for SECONDS on DIR/seeds, growing DIR/corpus (kept between runs), and
# fails on any finding: libFuzzer exits non-zero and leaves the input in DIR/findings/, which this
# lists. Usage: run-fuzzer.sh FUZZER DIR SECONDS
set -eu
[ $# -eq 3 ] || { echo "usage: run-fuzzer.sh FUZZER DIR SECONDS" >&2; exit 2; }
fuzzer=$1 dir=$2 seconds=$3
[ -d "$dir/seeds" ] || { echo "run-fuzzer: no $dir/seeds (did the fuzz.seeds fixture run?)" >&2; exit 1; }
rm -rf "$dir/findings" # a finding of an earlier run is in its log; this run starts clean
mkdir -p "$dir/corpus" "$dir/findings"
# -timeout: one input running 10 s is a hang; -rss_limit_mb: a walk must not need 2 GiB;
# -close_fd_mask=1: the target's stdout (none expected) stays out of the log.
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$dir/findings/" -close_fd_mask=1 "$dir/corpus" "$dir/seeds" || status=$?
if [ $status -ne 0 ] || [ -n "$(ls -A "$dir/findings")" ]; then
	echo "run-fuzzer: $(basename "$fuzzer") failed (exit $status); findings in $dir/findings:" >&2
	ls -l "$dir/findings" >&2
	exit 1
fi
echo "run-fuzzer: $(basename "$fuzzer"): no findings in $seconds s; corpus $(find "$dir/corpus" -mindepth 1 -maxdepth 1 | wc -l) inputs"
