#!/bin/bash
# Hostile input that vmcorefs must survive without serving a wrong byte, on the panic scenario's
# real kernel core. Usage: hostile.sh CASE VMCOREFS SCENARIO_DIR COMPRESSED_DIR
#   changed-under-mount  the core rewritten in place, then cut and extended back to its size,
#                        under a mount: reads and lseek fail with EIO (never new bytes, never
#                        zeros), and the daemon logs one line naming the core
#   shrinking-core       --info and --compare while the core is cut short, 20 times: a result or
#                        one line, never SIGBUS
#   other-users          who may read the mount follows the core's mode: nobody cannot read a
#                        0640 core's mount made with -o allow_other, and can with --world-readable
#   planted-cache-entry  a symlink to another core put where the decompressed copy of a
#                        compressed core will be looked for is refused with a warning, never used
#   escaped-text         a RAMBlock idstr with an escape sequence and bytes that are not UTF-8:
#                        --info, info and errors show it escaped, info.json stays valid JSON
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: hostile.sh CASE VMCOREFS SCENARIO_DIR COMPRESSED_DIR" >&2; exit 2; }
case=$1 vmcorefs=$2 scenarios=$3 compressed=$4
here=$(cd "$(dirname "$0")" && pwd)
poke=$here/poke_core.py
test_name=badinput.$case
. "$here/../prelude.sh"
. "$here/inputs.sh"

mnt=$work/mnt
mkdir "$mnt"
reference=$(scenario_value panic reference)

# Reading FILE must fail with EIO: dd's message says so, and nothing is read.
expect_eio() {
	local out
	if out=$(dd if="$1" of="$work/read" bs=1M count=1 2>&1); then
		fail "reading $1 succeeded after the core changed ($(stat -c %s "$work/read") bytes)"
	fi
	[[ $out == *"Input/output error"* ]] || fail "reading $1 did not fail with EIO: $out"
	[ ! -s "$work/read" ] || fail "$(stat -c %s "$work/read") bytes of $1 were read"
}

changed_under_mount() {
	local how log blocks
	for how in rewrite cut-and-extend; do
		copy_qemu_core
		log=$work/daemon-$how.log
		"$vmcorefs" -f "$core" "$mnt" 2>"$log" &
		track_mount "$mnt"
		for _ in $(seq 100); do mountpoint -q "$mnt" && break; sleep 0.1; done
		# Nothing of the core is read before the change: pages read then would stay in the page
		# cache, and read again (they are the core's bytes as mounted, not wrong ones).
		grep -q '^QEMU: ' "$mnt/info" || fail "the mount is not serving"
		blocks=("$mnt"/blocks/*)
		block=blocks/${blocks[0]##*/} # data and holes of the core both
		touch -d '1 minute ago' "$core" # the change below is a new mtime, whatever the clock
		case $how in
		rewrite) printf 'X' | dd of="$core" bs=1 seek=4096 conv=notrunc status=none ;;
		cut-and-extend) truncate -s 8192 "$core" && truncate -s "$(stat -c %s "$src")" "$core" ;;
		esac
		expect_eio "$mnt/$block"
		expect_eio "$mnt/guest.vmcore"
		python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    os.lseek(fd, 0, os.SEEK_HOLE)
except OSError as e:
    sys.exit(0 if e.errno == 5 else "lseek: %s" % e)
sys.exit("lseek(SEEK_HOLE) answered after the core changed")' "$mnt/guest.vmcore" ||
			fail "SEEK_HOLE on guest.vmcore of the changed core did not fail with EIO"
		fusermount3 -u "$mnt"
		wait
		[ "$(grep -c "^vmcorefs: $core: changed since vmcorefs opened it (" "$log")" -eq 1 ] ||
			fail "$how: the daemon's log has not exactly one line about the change: $(cat "$log")"
		echo "ok: $how: $(cat "$log")"
	done
}

# Exit status and stderr of one run, checked: 0, or 1 with one line; never a signal.
expect_result_or_one_line() {
	local status=$1 err=$2 what=$3
	((status < 128)) || fail "$what: killed by signal $((status - 128)): $(cat "$err")"
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || {
		[ "$status" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q '^vmcorefs: ' "$err"
	} || fail "$what: exit $status with: $(cat "$err")"
}

# Every run cuts the core at another moment of the load (10 ms to 200 ms in) and to another size:
# some cuts land before vmcorefs reads, some while it reads QEMU's structures, some after.
shrinking_core() {
	local i status errors=0 mode
	copy_qemu_core
	cp --sparse=always "$core" "$work/pristine"
	for i in $(seq 20); do
		cp --sparse=always --reflink=auto "$work/pristine" "$core"
		mode=--info
		((i % 4 != 0)) || mode=--compare=$reference
		status=0
		"$vmcorefs" "$mode" "$core" >/dev/null 2>"$work/err" &
		sleep "0.$(printf '%03d' $((10 + i * 10)))"
		truncate -s $(((i % 5 + 1) * $(stat -c %s "$core") / 8)) "$core"
		wait $! || status=$?
		expect_result_or_one_line "$status" "$work/err" "run $i ($mode)"
		[ "$status" -eq 0 ] || errors=$((errors + 1))
		[ ! -s "$work/err" ] || echo "run $i ($mode): $(cat "$work/err")"
	done
	echo "ok: 20 runs, $errors ended with one line, none with a signal"
}

# As nobody: whether guest.vmcore of the mount can be read.
nobody_reads() { setpriv --reuid=65534 --regid=65534 --clear-groups head -c 1 "$mnt/guest.vmcore" >/dev/null 2>&1; }

other_users() {
	copy_qemu_core
	chmod 711 "$work" # nobody may reach the mount point
	chmod 640 "$core"
	mount_core "$vmcorefs" "$core" "$mnt" -o allow_other
	[ "$(stat -c %a "$mnt/guest.vmcore")" = 440 ] || fail "guest.vmcore has mode $(stat -c %a "$mnt/guest.vmcore"), not 440"
	! nobody_reads || fail "nobody read guest.vmcore of a core it may not read"
	fusermount3 -u "$mnt"
	chmod 600 "$core"
	mount_core "$vmcorefs" "$core" "$mnt" -o allow_other --world-readable
	[ "$(stat -c %a "$mnt/guest.vmcore")" = 444 ] || fail "--world-readable: mode $(stat -c %a "$mnt/guest.vmcore")"
	nobody_reads || fail "nobody cannot read guest.vmcore with --world-readable"
	echo "ok: 0640 core: mode 440, nobody refused; --world-readable: mode 444, nobody reads"
}

planted_cache_entry() {
	local lz4=$compressed/kernel.core.lz4 cache=$work/cache entry
	[ -f "$lz4" ] || fail "no $lz4 (did the compressed_cores fixture run?)"
	"$vmcorefs" --cache-dir="$cache" --info "$lz4" >"$work/first" 2>"$work/err" ||
		fail "--info of $lz4: $(cat "$work/err")"
	entry=$(ls "$cache"/*.core)
	# Another guest's core, where vmcorefs will look for this one's copy.
	ln -sf "$(scenario_value virtiomem kernel_core)" "$entry"
	"$vmcorefs" --cache-dir="$cache" --info "$lz4" >"$work/second" 2>"$work/err" ||
		fail "--info with a planted entry: $(cat "$work/err")"
	grep -q "^vmcorefs: $entry: ignored a cache entry that is not vmcorefs's own (a symlink); decompressing again$" "$work/err" ||
		fail "no warning about the planted entry: $(cat "$work/err")"
	[ ! -L "$entry" ] || fail "the planted symlink is still there"
	diff <(grep -v '^core:' "$work/first") <(grep -v '^core:' "$work/second") ||
		fail "--info described another guest"
	echo "ok: $(cat "$work/err")"
}

escaped_text() {
	copy_qemu_core
	local idstr
	idstr=$(gdb_value '&ram_list.blocks.lh_first->idstr')
	# ESC [ 2 J (clear the screen), a newline, a byte that is not UTF-8, a backslash.
	"$poke" "$core" mem "$idstr" 4 0x4a325b1b "$((idstr + 4))" 4 0x5cff0a41 "$((idstr + 8))" 1 0
	"$vmcorefs" --info "$core" >"$work/info" 2>"$work/err" || fail "--info: $(cat "$work/err")"
	grep -qF ' \x1b[2JA\x0a\xff\\ ' "$work/info" || fail "--info does not show the idstr escaped: $(grep -a ' 0x' "$work/info")"
	mount_core "$vmcorefs" "$core" "$mnt"
	for f in "$work/info" "$work/err" "$mnt/info" "$mnt/info.json"; do
		! grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$f" || fail "$f has control characters"
	done
	python3 -m json.tool "$mnt/info.json" >/dev/null || fail "info.json is not valid JSON"
	python3 -c 'import json, sys
ids = [b["idstr"] for b in json.load(open(sys.argv[1]))["ramblocks"]]
sys.exit(0 if "\x1b[2JA\n\\xff\\" in ids else "idstrs: %r" % ids)' "$mnt/info.json" ||
		fail "info.json does not hold the idstr's bytes"
	echo "ok: $(grep -aF '\x1b' "$work/info")"
}

case $case in
changed-under-mount) changed_under_mount ;;
shrinking-core) shrinking_core ;;
other-users) other_users ;;
planted-cache-entry) planted_cache_entry ;;
escaped-text) escaped_text ;;
*) fail "unknown case" ;;
esac
