#!/bin/bash
# Everyday use of vmcorefs on real QEMU cores (issue 10). Usage:
#   check.sh CASE VMCOREFS MANIFEST COMPRESSED_DIR
# CASE:
#   compress          compress the panic scenario's kernel core with zstd, lz4 and xz into
#                     COMPRESSED_DIR, unless done already for this very core
#   compressed-FORMAT mount the FORMAT-compressed core (decompressing it into a fresh cache),
#                     check what is served and --compare it with QEMU's own vmcore, then mount it
#                     again and prove the cache entry was reused (same inode and mtime)
#   bad-compressed    truncated, corrupt, gzip and misnamed inputs: one line, exit 1, nothing
#                     cached, nothing mounted
#   interrupted       SIGINT and SIGTERM during decompression: the process ends by the signal,
#                     no partial file anywhere in the cache
#   disk-full         a cache on a full file system: one line naming the file (root: tmpfs)
#   signals           SIGTERM, SIGINT, SIGHUP unmount a foreground mount; SIGTERM a daemon's
#   stale-mount       a daemon killed with SIGKILL leaves "Transport endpoint is not connected";
#                     the next vmcorefs says so with the command that clears it
#   moved-binary      a core of a QEMU whose binary is gone or was replaced: error without help;
#                     with --executable, a build-id tree or debuginfod, one warning and success
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: check.sh CASE VMCOREFS MANIFEST COMPRESSED_DIR" >&2; exit 2; }
case=$1 vmcorefs=$2 manifest=$3 compressed=$4
skip=77

test_name=everyday.$case
. "$(dirname "$0")/../prelude.sh"

unset DEBUGINFOD_URLS
mnt=$work/mnt
mkdir "$mnt" "$work/empty"
track_mount "$mnt"

now() { date +%s.%N; }
# Whether process $1 has a file of the cache open.
writes_cache() {
	local fd
	for fd in "/proc/$1/fd"/*; do
		[[ "$(readlink "$fd" 2>/dev/null)" != "$cache"/* ]] || return 0
	done
	return 1
}
cache_entries() { find "$cache" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# Runs a command (exec: in the background, $! is the command's pid) with SIGINT, SIGTERM and
# SIGHUP at their defaults: a shell without job control starts background commands with SIGINT
# ignored, and so may whoever started this script. (Python ignores SIGPIPE and SIGXFSZ itself.)
with_default_signals() {
	exec python3 -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE, signal.SIGXFSZ):
    signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
# run ARGS...: vmcorefs, bounded, stdout in $work/out, stderr in $work/err; sets $status.
run() {
	status=0
	timeout 300 "$vmcorefs" "$@" >"$work/out" 2>"$work/err" || status=$?
}
# one_line STATUS REGEX WHAT: the last run exited STATUS and printed exactly one line on stderr,
# matching REGEX.
one_line() {
	[ "$status" -eq "$1" ] || fail "$3: exit $status, not $1: $(cat "$work/err")"
	[ "$(wc -l <"$work/err")" -eq 1 ] || fail "$3: not one line on stderr: $(cat "$work/err")"
	grep -Eq -- "$2" "$work/err" || fail "$3: stderr does not match '$2': $(cat "$work/err")"
	echo "ok: $3: $(cat "$work/err")"
}
nothing_cached() {
	[ -z "$(ls -A "$1" 2>/dev/null)" ] || fail "$2: left in the cache: $(ls -A "$1")"
}
need_fuse() {
	[ -c /dev/fuse ] || { echo "everyday.$case: skipped: no /dev/fuse"; exit $skip; }
}
# Waits up to 30 s for MNT to be mounted while process PID lives.
wait_mounted() {
	for _ in $(seq 300); do
		is_mounted "$1" && return 0
		kill -0 "$2" 2>/dev/null || fail "vmcorefs ($2) exited before mounting $1"
		sleep 0.1
	done
	fail "$1 not mounted after 30 s"
}
# Waits up to 10 s for process PID (a child) to end; sets $exit_status.
wait_exit() {
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && fail "process $1 still runs 10 s after the signal"
	exit_status=0
	wait "$1" || exit_status=$?
}

load_manifest() {
	[ -f "$manifest" ] || fail "no manifest $manifest (did the harness_panic fixture run?)"
	core=$(manifest_value "$manifest" kernel_core) reference=$(manifest_value "$manifest" reference)
	qemu=$(manifest_value "$manifest" qemu)
	[ -f "$core" ] || fail "the manifest names no kernel core"
}

declare -A tool=([zstd]="zstd -q -T0" [lz4]="lz4 -q" [xz]="xz -T0 -1") suffix=([zstd]=zst [lz4]=lz4 [xz]=xz)
compressed_core() { echo "$compressed/kernel.core.${suffix[$1]}"; }
need_compressed() {
	local f
	for f in zstd lz4 xz; do
		[ -f "$(compressed_core $f)" ] || fail "no $(compressed_core $f) (did everyday.compress run?)"
	done
}

compress() {
	load_manifest
	mkdir -p "$compressed"
	local stamp format out t0
	stamp=$(stat -L -c '%d %i %s %.9Y' "$core")
	if [ "$(cat "$compressed/stamp" 2>/dev/null)" = "$stamp" ]; then
		echo "compressed copies of $core are up to date"
		ls -ls "$compressed"
		return
	fi
	rm -f "$compressed"/*
	for format in zstd lz4 xz; do
		command -v "$format" >/dev/null || fail "$format is not installed (scripts/install-deps.sh)"
		out=$(compressed_core $format)
		t0=$(now)
		${tool[$format]} -c "$core" >"$out.tmp"
		mv "$out.tmp" "$out"
		echo "$format: $(stat -c %s "$out") bytes in $(seconds "$t0" "$(now)") s"
	done
	echo "$stamp" >"$compressed/stamp"
}

# The plain core's guest.vmcore, as --extract writes it, to hold the mounted one against.
extract_plain() {
	run --extract="$work/plain.vmcore" "$core"
	[ "$status" -eq 0 ] || fail "--extract of $core failed: $(cat "$work/err")"
}

compressed_format() {
	local format=$1 input cache=$work/cache t0 t1 t2 entry first second
	need_fuse
	load_manifest
	need_compressed
	input=$(compressed_core "$format")
	extract_plain

	t0=$(now)
	run --cache-dir="$cache" "$input" "$mnt"
	t1=$(now)
	[ "$status" -eq 0 ] || fail "mounting $input failed: $(cat "$work/err")"
	is_mounted "$mnt" || fail "$input: vmcorefs returned but $mnt is not mounted"
	entry=$(ls "$cache"/*.core)
	[ "$(cache_entries | wc -l)" -eq 1 ] || fail "more than one file in the cache: $(cache_entries)"
	cmp "$mnt/guest.vmcore" "$work/plain.vmcore" || fail "$input: guest.vmcore differs from the plain core's"
	grep -q '^QEMU: ' "$mnt/info" || fail "$input: no QEMU line in info"
	first=$(stat -c '%i %.9Y' "$entry")
	echo "$format: $(stat -c %s "$input") compressed, $(stat -c %s "$entry") bytes apparent," \
		"$(($(stat -c %b "$entry") * 512)) allocated in the cache"
	fusermount3 -u "$mnt"

	t2=$(now)
	run --cache-dir="$cache" "$input" "$mnt"
	[ "$status" -eq 0 ] || fail "mounting $input again failed: $(cat "$work/err")"
	echo "$format: first mount (decompressing) $(seconds "$t0" "$t1") s, second mount (cache) $(seconds "$t2" "$(now)") s"
	second=$(stat -c '%i %.9Y' "$entry")
	[ "$first" = "$second" ] || fail "the cache entry was rewritten: inode and mtime $first, then $second"
	[ "$(cache_entries | wc -l)" -eq 1 ] || fail "the second mount added to the cache: $(cache_entries)"
	cmp "$mnt/guest.vmcore" "$work/plain.vmcore" || fail "$input: guest.vmcore differs on the second mount"
	fusermount3 -u "$mnt"

	run --cache-dir="$cache" --compare="$reference" "$input"
	[ "$status" -eq 0 ] || fail "--compare of $input: exit $status: $(tail -5 "$work/out") $(cat "$work/err")"
	[ "$(stat -c '%i %.9Y' "$entry")" = "$first" ] || fail "--compare rewrote the cache entry"
	echo "ok: $format: $(tail -1 "$work/out"), cache entry reused (inode and mtime $first)"
}

bad_compressed() {
	local format input bad size cache=$work/cache
	load_manifest
	need_compressed
	for format in zstd lz4 xz; do
		input=$(compressed_core "$format")
		size=$(stat -c %s "$input")
		bad=$work/truncated.${suffix[$format]}
		head -c $((size / 2)) "$input" >"$bad"
		run --cache-dir="$cache" --info "$bad"
		one_line 1 "^vmcorefs: $bad: the $format data ends early, at offset 0x[0-9a-f]+ \(the file is truncated\)$" "truncated $format"
		nothing_cached "$cache" "truncated $format"

		bad=$work/corrupt.${suffix[$format]}
		cp "$input" "$bad"
		head -c 4096 /dev/urandom | dd of="$bad" bs=4096 seek=$((size / 8192)) conv=notrunc status=none
		run --cache-dir="$cache" --info "$bad"
		one_line 1 "^vmcorefs: $bad: (corrupt $format data near offset 0x[0-9a-f]+: .+|the $format data ends early.*)$" "corrupt $format"
		nothing_cached "$cache" "corrupt $format"
		if [ -c /dev/fuse ]; then
			run --cache-dir="$cache" "$bad" "$mnt"
			one_line 1 "^vmcorefs: $bad: " "corrupt $format, mounting"
			is_mounted "$mnt" && fail "a corrupt $format core was mounted"
		fi
	done
	head -c 1048576 "$core" | gzip -c >"$work/core.gz"
	run --cache-dir="$cache" --info "$work/core.gz"
	one_line 1 "^vmcorefs: $work/core.gz: gzip-compressed: decompress it with gunzip first$" "gzip"
	printf 'not zstd at all' >"$work/misnamed.zst"
	run --cache-dir="$cache" --info "$work/misnamed.zst"
	one_line 1 "^vmcorefs: $work/misnamed.zst: named like a zstd file but not starting like one" "misnamed"
	nothing_cached "$cache" "bad input"
}

interrupted() {
	local input cache=$work/cache pid signal
	load_manifest
	need_compressed
	input=$(compressed_core xz) # the slowest to decompress: seconds
	for signal in INT TERM; do
		with_default_signals "$vmcorefs" --cache-dir="$cache" --info "$input" >/dev/null 2>"$work/err" &
		pid=$!
		track_process "$pid"
		# Decompressing: the file being written in the cache is open (its signal handlers are
		# in place by then).
		for _ in $(seq 300); do # 30 s
			writes_cache "$pid" && break
			kill -0 "$pid" 2>/dev/null || fail "vmcorefs ended before decompressing: $(cat "$work/err")"
			sleep 0.05
		done
		writes_cache "$pid" || fail "vmcorefs does not decompress after 30 s"
		sleep 0.5
		kill -"$signal" "$pid"
		wait_exit "$pid"
		[ "$exit_status" -eq $((128 + $(kill -l "$signal"))) ] ||
			fail "SIG$signal during decompression: exit $exit_status, not death by the signal: $(cat "$work/err")"
		nothing_cached "$cache" "SIG$signal during decompression"
		echo "ok: SIG$signal during decompression: exit $exit_status, cache directory empty"
	done
	run --cache-dir="$cache" --info "$input"
	[ "$status" -eq 0 ] || fail "decompressing after the interruptions failed: $(cat "$work/err")"
	echo "ok: decompressed completely afterwards"
}

disk_full() {
	local input small=$work/small
	load_manifest
	need_compressed
	mkdir "$small"
	mount -t tmpfs -o size=32m vmcorefs-test "$small" 2>/dev/null ||
		{ echo "everyday.$case: skipped: cannot mount a small tmpfs (not root?)"; exit $skip; }
	track_mount "$small"
	input=$(compressed_core zstd)
	run --cache-dir="$small/cores" --info "$input"
	one_line 1 "^vmcorefs: $input: cannot write the decompressed core to $small/cores/.*: No space left on device$" "disk full"
	nothing_cached "$small/cores" "disk full"
	[ "$(df --output=used -k "$small" | tail -1)" -lt 64 ] || fail "space still used on $small: $(df -k "$small")"
}

signals() {
	local signal pid
	need_fuse
	load_manifest
	for signal in TERM INT HUP; do
		with_default_signals "$vmcorefs" -f "$core" "$mnt" 2>"$work/err" &
		pid=$!
		track_process "$pid"
		wait_mounted "$mnt" "$pid"
		kill -"$signal" "$pid"
		wait_exit "$pid"
		[ "$exit_status" -eq 0 ] || fail "vmcorefs -f: exit $exit_status after SIG$signal: $(cat "$work/err")"
		is_mounted "$mnt" && fail "vmcorefs -f left $mnt mounted after SIG$signal"
		echo "ok: SIG$signal: vmcorefs -f unmounted $mnt and exited 0"
	done
	run "$core" "$mnt"
	[ "$status" -eq 0 ] || fail "mounting failed: $(cat "$work/err")"
	pid=$(pgrep -f -- "$mnt\$") || fail "no daemon serving $mnt"
	kill -TERM "$pid"
	for _ in $(seq 100); do is_mounted "$mnt" || break; sleep 0.1; done
	is_mounted "$mnt" && fail "the daemon left $mnt mounted after SIGTERM"
	echo "ok: SIGTERM: the daemon ($pid) unmounted $mnt"
}

stale_mount() {
	local pid fix
	need_fuse
	load_manifest
	"$vmcorefs" -f "$core" "$mnt" 2>"$work/err" &
	pid=$!
	track_process "$pid"
	wait_mounted "$mnt" "$pid"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	stat "$mnt" >/dev/null 2>&1 && fail "$mnt is not stale after SIGKILL"
	run "$core" "$mnt"
	one_line 1 "^vmcorefs: $mnt: .*Transport endpoint is not connected.*; clear it with: fusermount3 -u $mnt$" "stale mount"
	fix=$(sed -n 's/.*clear it with: //p' "$work/err")
	$fix || fail "'$fix' failed"
	is_mounted "$mnt" && fail "'$fix' left $mnt mounted"
	run "$core" "$mnt"
	[ "$status" -eq 0 ] || fail "mounting after '$fix' failed: $(cat "$work/err")"
	fusermount3 -u "$mnt"
	echo "ok: after '$fix', $mnt mounts again"
}

# A core of a copy of the harness QEMU at $work/bin, running firmware only (the harness QEMU
# itself is never moved). Sets $moved_core.
make_moved_core() {
	local pattern shell pid
	mkdir "$work/bin"
	cp "$qemu" "$work/bin/qemu-system-x86_64"
	pattern=$(cat /proc/sys/kernel/core_pattern)
	# QEMU is the subshell's child, so that its death by SIGABRT is reported into qemu.log.
	(cd "$work" && { ulimit -c unlimited 2>/dev/null || true; } && bin/qemu-system-x86_64 \
		-machine pc -m 128 -accel tcg -nodefaults -display none -L /usr/share/qemu \
		-L /usr/share/seabios -pidfile "$work/qemu.pid" \
		-qmp "unix:$work/qmp.sock,server=on,wait=off"; exit $?) </dev/null >"$work/qemu.log" 2>&1 &
	shell=$!
	track_process "$shell"
	for _ in $(seq 300); do # 30 s
		[ -S "$work/qmp.sock" ] && [ -s "$work/qemu.pid" ] && break
		kill -0 "$shell" 2>/dev/null || fail "QEMU exited early: $(cat "$work/qemu.log")"
		sleep 0.1
	done
	pid=$(cat "$work/qemu.pid")
	track_process "$pid" # the subshell's child: the subshell would die of TERM and leave it
	sleep 3 # the firmware runs
	# A core_pattern that is a plain file name writes into QEMU's cwd; anything else (a pipe to
	# systemd-coredump, a directory, %-specifiers) is not ours to read: use gdb's gcore then.
	if [[ $pattern == *[/%\|]* || $(ulimit -H -c) != unlimited ]]; then
		timeout 120 gdb -nx -batch -iex 'set debuginfod enabled off' -p "$pid" \
			-ex "gcore $work/core" >"$work/gdb.log" 2>&1 || fail "gcore failed: $(cat "$work/gdb.log")"
		kill -KILL "$pid"
		moved_core=$work/core
	else
		kill -ABRT "$pid"
		for _ in $(seq 600); do # 60 s: the kernel writes the core before the process is gone
			kill -0 "$shell" 2>/dev/null || break
			sleep 0.1
		done
		moved_core=$work/$pattern
		[ -f "$moved_core.$pid" ] && moved_core=$moved_core.$pid
	fi
	wait "$shell" 2>/dev/null || true
	[ -f "$moved_core" ] || fail "no core of the copied QEMU in $work (core_pattern '$pattern')"
}

moved_binary() {
	local id elsewhere=$work/elsewhere/qemu-system-x86_64 recorded=$work/bin/qemu-system-x86_64
	local tree=$work/debug port dpid ready
	load_manifest
	[ -f "$qemu" ] || fail "the harness QEMU $qemu is gone"
	make_moved_core
	id=$(readelf -n "$recorded" | sed -n 's/^ *Build ID: //p')
	[ -n "$id" ] || fail "$recorded has no build-id"
	run --info "$moved_core"
	[ "$status" -eq 0 ] || fail "the core of the copied QEMU does not load: $(cat "$work/err")"
	mkdir "$work/elsewhere"
	mv "$recorded" "$elsewhere"
	mkdir -p "$tree/.build-id/${id:0:2}"
	ln -s "$elsewhere" "$tree/.build-id/${id:0:2}/${id:2}"

	run --debug-file-directory="$work/empty" --info "$moved_core"
	one_line 1 "^vmcorefs: $moved_core: cannot find QEMU's executable \(build-id $id, core says $recorded\)" "gone, no help"

	run --debug-file-directory="$work/empty" --executable="$elsewhere" --extract="$work/out.vmcore" "$moved_core"
	[ "$status" -eq 0 ] || fail "--executable: exit $status: $(cat "$work/err")"
	grep -q "named by the core" "$work/err" && fail "--executable: still warns: $(cat "$work/err")"
	echo "ok: gone, --executable: no warning"

	warned() { # WHAT REGEX: the last run succeeded with exactly one warning about the executable
		[ "$status" -eq 0 ] || fail "$1: exit $status: $(cat "$work/err")"
		[ "$(grep -c "QEMU's executable" "$work/err")" -eq 1 ] || fail "$1: not one warning: $(cat "$work/err")"
		grep -Eq -- "$2" "$work/err" || fail "$1: the warning does not match '$2': $(cat "$work/err")"
		echo "ok: $1: $(grep "QEMU's executable" "$work/err")"
	}
	run --debug-file-directory="$tree" --extract="$work/out.vmcore" "$moved_core"
	warned "gone, build-id tree" "^vmcorefs: $moved_core: QEMU's executable $recorded named by the core is gone; using $elsewhere, which has the core's build-id$"
	if [ -c /dev/fuse ]; then
		run --debug-file-directory="$tree" "$moved_core" "$mnt"
		warned "gone, build-id tree, mounting" "QEMU's executable $recorded named by the core is gone"
		cmp "$mnt/guest.vmcore" "$work/out.vmcore" || fail "the mount serves other bytes than --extract wrote"
		fusermount3 -u "$mnt"
	fi

	cp /bin/true "$recorded" # an "upgrade": another binary at the recorded path
	run --debug-file-directory="$work/empty" --info "$moved_core"
	[ "$status" -eq 1 ] || fail "replaced, no help: exit $status"
	echo "ok: replaced, no help: $(cat "$work/err")"
	run --debug-file-directory="$tree" --extract="$work/out.vmcore" "$moved_core"
	warned "replaced, build-id tree" "QEMU's executable $recorded named by the core has build-id [0-9a-f]+, not the core's $id \(upgraded or rebuilt since\); using $elsewhere"

	if ! command -v debuginfod >/dev/null || ! command -v curl >/dev/null; then
		echo "debuginfod or curl is not installed: the debuginfod case is left out"
		return
	fi
	mkdir "$work/served"
	cp "$elsewhere" "$work/served/"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	debuginfod -F -p "$port" -d "$work/debuginfod.sqlite" -t 0 -g 0 -c 1 "$work/served" >"$work/debuginfod.log" 2>&1 &
	dpid=$!
	track_process "$dpid"
	ready=
	for _ in $(seq 600); do # 60 s
		kill -0 "$dpid" 2>/dev/null || fail "debuginfod exited: $(cat "$work/debuginfod.log")"
		curl -sf -m 5 -o /dev/null "http://127.0.0.1:$port/buildid/$id/executable" && { ready=1; break; }
		sleep 0.1
	done
	[ -n "$ready" ] || fail "debuginfod does not serve $id after 60 s"
	DEBUGINFOD_URLS=http://127.0.0.1:$port DEBUGINFOD_CACHE_PATH=$work/debuginfod-cache \
		run --debug-file-directory="$work/empty" --extract="$work/out.vmcore" "$moved_core"
	warned "replaced, debuginfod" "QEMU's executable $recorded named by the core has build-id .*; using the executable debuginfod served"
}

case $case in
compress) compress ;;
compressed-zstd | compressed-lz4 | compressed-xz) compressed_format "${case#compressed-}" ;;
bad-compressed) bad_compressed ;;
interrupted) interrupted ;;
disk-full) disk_full ;;
signals) signals ;;
stale-mount) stale_mount ;;
moved-binary) moved_binary ;;
*) echo "check.sh: unknown case $case" >&2; exit 2 ;;
esac
