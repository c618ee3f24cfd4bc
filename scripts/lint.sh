#!/bin/sh
# Checks the layout of every C and C++ file against .clang-format, every shell script with
# ShellCheck (settings in .shellcheckrc) and the direction of every include (check-layers.sh);
# prints each finding and fails on any. scripts/test.sh runs it first. To bring a C++ file in
# line: clang-format -i FILE.
set -eu
cd "$(dirname "$0")/.."
status=0
git ls-files -z '*.c' '*.cc' '*.h' | xargs -0 clang-format --dry-run --Werror || status=1
# The shell scripts: by name, and .ci/run, which has none.
git ls-files -z '*.sh' .ci/run | xargs -0 shellcheck || status=1
scripts/check-layers.sh || status=1
[ $status -eq 0 ] || echo "lint: findings above (clang-format, shellcheck, check-layers)" >&2
exit $status
