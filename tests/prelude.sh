# shellcheck shell=bash disable=SC2154 # $test_name is the sourcing script's
# The prelude of the test scripts (bash; sourced, not run): one way to fail, a private work
# directory, and mounts that are unmounted on every way out, Ctrl-C and `kill` included, so that
# an interrupted test leaves no FUSE mount and no temporary files behind.
#
#   test_name=NAME; . "$(dirname "$0")/../prelude.sh"
#
# gives: $work (a new directory, removed at exit), fail MESSAGE..., manifest_value MANIFEST KEY,
# value KEY (of the script's own $manifest),
# build_id ELF, await_line FILE PATTERN PID SECONDS [OUTPUT], is_mounted DIR, track_mount DIR (DIR
# is unmounted at exit), track_process PID (PID is ended at exit, before the unmounts) and
# mount_core VMCOREFS CORE DIR [OPTION...].

work=$(mktemp -d)
prelude_mounts=() prelude_processes=()

fail() { echo "$test_name: $*" >&2; exit 1; }

# A harness manifest's value of KEY (tests/harness/make-scenario.sh writes them).
manifest_value() {
	[ -f "$1" ] || fail "no manifest $1 (did the harness fixture run?)"
	sed -n "s/^$2=//p" "$1"
}
# KEY's value in the manifest of the scenario the script checks, $manifest.
value() { manifest_value "$manifest" "$1"; }

# The GNU build-id of an ELF file, in hex (empty when it has none).
build_id() { readelf -n "$1" | sed -n 's/^[[:space:]]*Build ID: //p' | head -n 1; }

# Waits until FILE, a log process PID writes (a guest's console, its firmware's), has a line
# matching the grep pattern; fails if PID exits first (showing OUTPUT, its own output, if given)
# or SECONDS pass. Prints the seconds waited.
await_line() {
	local file=$1 pattern=$2 pid=$3 seconds=$4 output=${5:-} start=$SECONDS
	until grep -q "$pattern" "$file" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail "$file" ${output:+"$output"} >&2
			fail "process $pid exited before /$pattern/ in $file"
		fi
		if ((SECONDS - start >= seconds)); then
			tail "$file" >&2
			fail "no /$pattern/ in $file after $seconds s"
		fi
		sleep 0.1
	done
	echo $((SECONDS - start))
}

# Whether DIR is a mount point, by the mount table: a FUSE mount whose daemon died fails stat with
# ENOTCONN, and mountpoint(1) then says it is none.
is_mounted() { awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/self/mounts; }

track_mount() { prelude_mounts+=("$1"); }
# PID's start time (in clock ticks since boot), which tells it from a later process with its pid;
# nothing, and success, for a process already gone (a check may track one that failed at once).
prelude_start_time() { sed -n 's/^.*) //p' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20 || true; }
track_process() { prelude_processes+=("$1:$(prelude_start_time "$1")"); }

# Ends the tracked processes that still run: continued (a test may have stopped one), asked to
# terminate (a daemon then unmounts), killed if still there after 10 s, and reaped (this shell's
# children). A pid now someone else's is left alone.
prelude_stop_processes() {
	local entry pid ending=() running i
	for entry in "${prelude_processes[@]}"; do
		pid=${entry%%:*}
		[ -n "${entry#*:}" ] && [ "$(prelude_start_time "$pid")" = "${entry#*:}" ] || continue
		ending+=("$pid")
		kill -CONT "$pid" 2>/dev/null || true
		kill -TERM "$pid" 2>/dev/null || true
	done
	for ((i = 0; i < 100; i++)); do
		running=0
		for pid in "${ending[@]}"; do # a zombie has exited: it waits only to be reaped
			grep -qs '^State:[[:space:]]*[^Z[:space:]]' "/proc/$pid/status" && running=1
		done
		[ $running = 1 ] || break
		sleep 0.1
	done
	for pid in "${ending[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true # 2>/dev/null: no "Killed" job notice
	done
}

mount_core() {
	local vmcorefs=$1 core=$2 dir=$3
	shift 3
	track_mount "$dir"
	"$vmcorefs" "$@" "$core" "$dir" || fail "vmcorefs could not mount $core on $dir"
}

prelude_cleanup() {
	local dir
	prelude_stop_processes
	for dir in "${prelude_mounts[@]}"; do
		for _ in 1 2 3; do # a vmcorefs that stacked a mount on a busy mount point leaves two
			is_mounted "$dir" || break
			fusermount3 -u "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null || break
		done
	done
	rm -rf "$work"
}
trap prelude_cleanup EXIT
trap 'exit 1' HUP INT TERM
