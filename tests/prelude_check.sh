#!/bin/bash
# The prelude ends what a failing check started: a check script that tracks a sleeping process, a
# stopped one, one that ignores SIGTERM, one that is another's child and one already gone, then
# fails, exits with its own status and message, and leaves none of them running.
set -euo pipefail
test_name=prelude
. "$(dirname "$0")/prelude.sh"
[ $# -eq 0 ] || fail "usage: prelude_check.sh"

# The check: writes the pids it starts to $1, one a line, then fails.
# shellcheck disable=SC2016 # expanded by the check's shell
check='set -euo pipefail
test_name=failing-check
. "$1/prelude.sh"
sleep 100 &
track_process $!
echo $! >>"$2"
sleep 100 &
kill -STOP $!
track_process $!
echo $! >>"$2"
(trap "" TERM; exec sleep 100) &
track_process $!
echo $! >>"$2"
(sleep 100 & echo $! >"$2.inner"; wait) &
track_process $!
echo $! >>"$2"
until [ -s "$2.inner" ]; do sleep 0.1; done
track_process "$(cat "$2.inner")"
cat "$2.inner" >>"$2"
true &
gone=$!
wait $gone
track_process $gone
fail "on purpose"'

status=0
bash -c "$check" check "$(cd "$(dirname "$0")" && pwd)" "$work/pids" 2>"$work/err" || status=$?
[ "$status" -eq 1 ] || fail "the failing check exited with $status, not 1: $(cat "$work/err")"
[ "$(cat "$work/err")" = "failing-check: on purpose" ] || fail "the failing check said: $(cat "$work/err")"
[ "$(wc -l <"$work/pids")" -eq 5 ] || fail "the check started $(wc -l <"$work/pids") processes, not 5"
while read -r pid; do
	! grep -qs '^State:[[:space:]]*[^Z[:space:]]' "/proc/$pid/status" ||
		fail "process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline")) outlived the check"
done <"$work/pids"
echo "ok: the failing check's five processes were ended"
