#!/bin/sh
# Checks that every #include in core/ and fs/ runs downstream: a file may include headers of its
# own folder and of the folders before it in the pipeline below, never of one after it; core/
# includes nothing of fs/. Prints each include that breaks the order and fails on any.
# scripts/lint.sh runs it.
set -eu
cd "$(dirname "$0")/.."
# The pipeline, upstream first (docs/ARCHITECTURE.md, "Every file of core/").
layers='base source facts qemu kernel arch load vmcore fs'

# Sets rank to the place of folder $1 in $layers, or to none.
rank()
{
	rank=0
	for name in $layers; do
		[ "$name" = "$1" ] && return
		rank=$((rank + 1))
	done
	rank=none
}

findings=$(git grep -H '^#include "' -- 'core/*.cc' 'core/*.h' 'fs/*.cc' 'fs/*.h' |
	while IFS=: read -r file directive; do
		header=${directive#*\"}
		header=${header%%\"*}
		case $file in
		fs/*) layer=fs ;;
		core/*/*) layer=${file#core/} layer=${layer%%/*} ;;
		*) layer=none ;;
		esac
		case $header in
		*/*) rank "${header%%/*}" ;;
		*) [ "$layer" = fs ] && continue # fs/'s own headers
		   rank=none ;;
		esac
		used=$rank
		rank "$layer"
		own=$rank
		if [ "$own" = none ]; then
			echo "$file: in no folder of the pipeline ($layers)"
		elif [ "$used" = none ]; then
			echo "$file: includes \"$header\", which is in no folder of the pipeline"
		elif [ "$used" -gt "$own" ]; then
			echo "$file: includes \"$header\", which comes after $layer/ in the pipeline"
		fi
	done)
[ -z "$findings" ] && exit 0
echo "$findings" | sort -u
echo "check-layers: includes above run against the pipeline ($layers)" >&2
exit 1
