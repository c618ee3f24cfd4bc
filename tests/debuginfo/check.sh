#!/bin/bash
# Checks that vmcorefs finds QEMU's debug info in each way it is shipped (make-variants.sh), says
# where it found it (`--info -v`), and then serves exactly QEMU's own vmcore (`--compare`) for both
# process cores of the harness; and that it fails with one line saying what is wrong when the debug
# info is someone else's or nowhere. Usage: check.sh CASE VMCOREFS MANIFEST
#
# In every case the debug-info QEMU the cores came from is still at the path the cores name, and
# libdwfl would happily take its DWARF; only the "debug info:" line shows that the variant under
# test was used. All debug directories are given explicitly (never /usr/lib/debug) and
# DEBUGINFOD_URLS is unset unless the case serves debuginfod itself.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: check.sh CASE VMCOREFS MANIFEST" >&2; exit 2; }
case=$1 vmcorefs=$2 manifest=$3
here=$(cd "$(dirname "$0")" && pwd)

test_name=debuginfo.$case
. "$here/../prelude.sh"

unset DEBUGINFOD_URLS
export DEBUGINFOD_CACHE_PATH=$work/debuginfod-cache
empty=$work/empty
mkdir "$empty"

load_manifest() {
	qemu=$(manifest_value "$manifest" qemu) reference=$(manifest_value "$manifest" reference)
	cores=()
	for key in gcore_core kernel_core; do
		c=$(manifest_value "$manifest" $key)
		[ -z "$c" ] || cores+=("$c")
	done
	[ ${#cores[@]} -gt 0 ] || fail "$manifest names no core"
	[ -f "$qemu" ] || fail "the debug-info QEMU $qemu is gone; the cores name it"
	variants=$("$here/make-variants.sh" "$qemu")/variants
	[ -f "$variants" ] || fail "make-variants.sh left no $variants"
}
v() {
	local x
	x=$(manifest_value "$variants" "$1")
	[ -n "$x" ] || fail "$variants has no $1"
	echo "$x"
}

# run_vmcorefs ARGS...: runs vmcorefs (bounded) with stdout in $work/out, stderr in $work/err;
# sets $status.
run_vmcorefs() {
	status=0
	timeout 300 "$vmcorefs" "$@" >"$work/out" 2>"$work/err" || status=$?
}

# agree EXE DEBUG ALT -- OPTIONS...: for each core, --info -v with OPTIONS must say it used EXE and
# DEBUG (and ALT as the dwz alt file, unless ALT is -), and --compare with OPTIONS must agree with
# the reference.
agree() {
	local exe=$1 debug=$2 alt=$3 core id
	shift 4
	id=$(v build_id)
	for core in "${cores[@]}"; do
		run_vmcorefs --info -v "$@" "$core"
		[ $status -eq 0 ] || fail "--info -v $* $core: exit $status: $(cat "$work/err")"
		grep -qxF "  executable: $exe (build-id $id)" "$work/out" ||
			fail "$core: not the executable $exe: $(grep -E '^  (executable|debug)' "$work/out")"
		grep -qxF "  debug info: $debug" "$work/out" ||
			fail "$core: debug info not from $debug: $(grep -E '^  (executable|debug)' "$work/out")"
		if [ "$alt" != - ]; then
			grep -qxF "  debug alt file: $alt (build-id $(v alt_build_id))" "$work/out" ||
				fail "$core: dwz alt file not $alt: $(grep -E '^  (executable|debug)' "$work/out")"
		elif grep -q '^  debug alt file:' "$work/out"; then
			fail "$core: an alt file for debug info without .gnu_debugaltlink"
		fi
		found=$(grep -E '^  debug (info|alt file):' "$work/out" | sed 's/^ *//' | paste -sd ';' -)
		run_vmcorefs --compare="$reference" "$@" "$core"
		[ $status -eq 0 ] && grep -qx 'vmcores agree' "$work/out" ||
			fail "--compare $* $core: exit $status: $(cat "$work/out" "$work/err")"
		echo "ok: $core: $found; vmcores agree"
	done
}

# refuse CORE WORD... -- OPTIONS...: vmcorefs --info OPTIONS CORE must exit 1 with exactly one
# line on stderr, containing every WORD (fixed strings).
refuse() {
	local core=$1 words=() word
	shift
	while [ "$1" != -- ]; do words+=("$1"); shift; done
	shift
	run_vmcorefs --info "$@" "$core"
	[ $status -eq 1 ] || fail "--info $* $core: exit $status, expected 1: $(cat "$work/err")"
	[ "$(wc -l <"$work/err")" -eq 1 ] || fail "expected one line on stderr, got: $(cat "$work/err")"
	[ ! -s "$work/out" ] || fail "expected nothing on stdout, got: $(cat "$work/out")"
	for word in "${words[@]}"; do
		grep -qF -- "$word" "$work/err" || fail "the error does not mention '$word': $(cat "$work/err")"
	done
	echo "ok: $(cat "$work/err")"
}

# A local debuginfod serving DIR (its own database, nothing else scanned) on a free port of
# 127.0.0.1; returns once it serves every build-id given. Sets $debuginfod_url.
start_debuginfod() {
	local dir=$1 port pid id ready
	shift
	command -v debuginfod >/dev/null || fail "debuginfod is not installed (scripts/install-deps.sh)"
	command -v curl >/dev/null || fail "curl is not installed (scripts/install-deps.sh)"
	for attempt in 1 2 3 4 5; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		# -t 0 -g 0: scan once, never groom; -c 1: one scanner thread.
		debuginfod -F -p "$port" -d "$work/debuginfod-$attempt.sqlite" -t 0 -g 0 -c 1 "$dir" \
			>"$work/debuginfod.log" 2>&1 &
		pid=$!
		track_process "$pid"
		for _ in $(seq 300); do # 30 s
			kill -0 "$pid" 2>/dev/null || break
			ready=1
			for id in "$@"; do
				curl -sf -m 5 -o /dev/null "http://127.0.0.1:$port/buildid/$id/debuginfo" || { ready=; break; }
			done
			if [ -n "$ready" ]; then
				debuginfod_url=http://127.0.0.1:$port
				return 0
			fi
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && { cat "$work/debuginfod.log" >&2; fail "debuginfod on port $port serves nothing after 30 s"; }
		wait "$pid" 2>/dev/null || true # lost the port to someone else: try another
	done
	cat "$work/debuginfod.log" >&2
	fail "debuginfod did not start"
}

case $case in
variants)
	load_manifest
	cat "$variants"
	;;
binary-itself) # nothing given: the DWARF of the binary at the path the core names
	load_manifest
	agree "$qemu" "$qemu" - -- --debug-file-directory="$empty"
	;;
build-id-tree) # stripped binary + DIR/.build-id/xx/rest.debug
	load_manifest
	agree "$(v stripped)" "$(v tree_debug)" - -- --executable="$(v stripped)" --debug-file-directory="$(v tree)"
	;;
debuglink) # stripped binary + .debug beside it, named by .gnu_debuglink
	load_manifest
	agree "$(v debuglink_exe)" "$(v debuglink_debug)" - -- --executable="$(v debuglink_exe)" \
		--debug-file-directory="$empty"
	;;
debuglink-subdir) # ... in the .debug subdirectory beside the binary
	load_manifest
	agree "$(v debuglink_subdir_exe)" "$(v debuglink_subdir_debug)" - -- \
		--executable="$(v debuglink_subdir_exe)" --debug-file-directory="$empty"
	;;
debuglink-pathtree) # ... below a debug directory, under the binary's own directory
	load_manifest
	agree "$(v stripped)" "$(v pathtree_debug)" - -- --executable="$(v stripped)" \
		--debug-file-directory="$(v pathtree)"
	;;
debuginfo-option) # --debuginfo wins over a build-id tree that has a copy too
	load_manifest
	agree "$(v stripped)" "$(v debug)" - -- --executable="$(v stripped)" --debuginfo="$(v debug)" \
		--debug-file-directory="$(v tree)"
	;;
dwz-debian | dwz-dwzdir | dwz-altid) # dwz'd, compressed .debug + the multifile where each layout has it
	load_manifest
	layout=${case#dwz-}
	agree "$(v dwz_stripped)" "$(v "dwz_${layout}_debug")" "$(v "dwz_${layout}_alt")" -- \
		--executable="$(v dwz_stripped)" --debug-file-directory="$(v "dwz_${layout}_tree")"
	;;
dwz-debuginfo-option) # --debuginfo names the dwz'd file; its alt file comes from the tree
	load_manifest
	agree "$(v dwz_stripped)" "$(v dwz_debug)" "$(v dwz_altid_alt)" -- --executable="$(v dwz_stripped)" \
		--debuginfo="$(v dwz_debug)" --debug-file-directory="$(v dwz_altid_tree)"
	;;
dwz-missing-alt) # the dwz'd .debug without its multifile: an error naming the multifile
	load_manifest
	refuse "${cores[0]}" "${cores[0]}" "$(v dwz_noalt_debug)" "$(v alt_name)" "$(v alt_build_id)" \
		"$(v dwz_noalt_tree)/.build-id/" "DEBUGINFOD_URLS" -- \
		--executable="$(v dwz_stripped)" --debug-file-directory="$(v dwz_noalt_tree)"
	;;
debuginfod) # only a local debuginfod has the .debug
	load_manifest
	start_debuginfod "$(v served)" "$(v build_id)"
	export DEBUGINFOD_URLS=$debuginfod_url
	agree "$(v stripped)" "$DEBUGINFOD_CACHE_PATH/$(v build_id)/debuginfo" - -- \
		--executable="$(v stripped)" --debug-file-directory="$empty"
	;;
debuginfod-dwz) # debuginfod has the dwz'd .debug and, under its own build-id, the multifile
	load_manifest
	start_debuginfod "$(v dwz_served)" "$(v build_id)" "$(v alt_build_id)"
	export DEBUGINFOD_URLS=$debuginfod_url
	agree "$(v dwz_stripped)" "$DEBUGINFOD_CACHE_PATH/$(v build_id)/debuginfo" \
		"$DEBUGINFOD_CACHE_PATH/$(v alt_build_id)/debuginfo" -- \
		--executable="$(v dwz_stripped)" --debug-file-directory="$empty"
	;;
mismatch) # --debuginfo of another program: its name and both build-ids
	load_manifest
	refuse "${cores[0]}" "$(v other_debug)" "$(v other_build_id)" "$(v build_id)" -- \
		--executable="$(v stripped)" --debuginfo="$(v other_debug)" --debug-file-directory="$(v tree)"
	;;
missing) # no debug info anywhere: what was looked for, where, and how to give it
	load_manifest
	id=$(v build_id)
	refuse "${cores[0]}" "${cores[0]}" "no debug info" "$id" "$(v stripped)" \
		"$empty/.build-id/${id:0:2}/${id:2}.debug" "$(dirname "$(v stripped)")/qemu-system-x86_64.debug" \
		"--debuginfo" "DEBUGINFOD_URLS" -- --executable="$(v stripped)" --debug-file-directory="$empty"
	;;
stock-qemu) # Debian's QEMU without its dbgsym package (harness scenario panic-stock)
	[ -f "$manifest" ] || fail "no manifest $manifest (did the harness_panic-stock fixture run?)"
	bin=$(manifest_value "$manifest" qemu) core=$(manifest_value "$manifest" kernel_core)
	[ -n "$core" ] || core=$(manifest_value "$manifest" gcore_core)
	id=$(readelf -n "$bin" 2>/dev/null | sed -n 's/^[[:space:]]*Build ID: //p' | head -n 1)
	[ -n "$id" ] || fail "$bin has no build-id"
	version=$("$bin" --version | sed -n '1s/^QEMU emulator version //p')
	# Installed (cmake --install), vmcorefs finds the profile it ships beside itself.
	build=$(cd "$(dirname "$vmcorefs")/.." && pwd)
	cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" || fail "cmake --install failed"
	vmcorefs=$work/prefix/bin/vmcorefs
	run_vmcorefs --info -v "$core"
	[ $status -eq 0 ] || fail "--info -v $core: exit $status: $(cat "$work/err")"
	grep -qxF "  layout: profile shipped with vmcorefs $work/prefix/share/vmcorefs/profiles/$id.profile" \
		"$work/out" || fail "the installed vmcorefs used no profile it ships: $(grep layout "$work/out")"
	echo "ok: the installed vmcorefs walks $bin with $work/prefix/share/vmcorefs/profiles/$id.profile"
	# Without them (the binary alone), the error names the build and the ways out.
	mkdir "$work/alone"
	cp "$vmcorefs" "$work/alone/"
	vmcorefs=$work/alone/vmcorefs
	refuse "$core" "$core" "no debug info for QEMU $version, build-id $id" "$bin" \
		"$empty/.build-id/${id:0:2}/${id:2}.debug" "--debuginfo" "DEBUGINFOD_URLS" "--profile" -- \
		--debug-file-directory="$empty"
	;;
*)
	fail "unknown case"
	;;
esac
