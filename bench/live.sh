#!/bin/bash
# vmcorefs --pid benchmark: one 512 MiB x86_64 guest (the harness's QEMU and kernel), paused by QMP
# after its panic, so that every view is of the same instant. Side by side, interleaved run by
# run: mounting it from the process (--pid) and from gcore's core of it; random 4 KiB reads and a
# sequential read of guest.vmcore on a fresh mount of each. Then what writing that instant to disk
# costs the other ways: QMP dump-guest-memory and gcore, wall time and bytes.
# Targets (printed, never enforced): --pid mount within 1.5x of the core's, random reads within 2x.
# Needs root (gcore of another user's process is not the point here). Usage: bench/live.sh;
# VMCOREFS=BINARY benchmarks that binary instead of a fresh Release build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
harness=$here/../tests/harness
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}/bench
runs=7
say() { echo "bench: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "needs root"; exit 1; }

bench_setup live
qemu_pid=
cleanup() {
	if mountpoint -q "$mnt"; then fusermount3 -u "$mnt" || fusermount3 -uz "$mnt"; fi
	if [ -n "$qemu_pid" ]; then
		kill -KILL "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true # 2>/dev/null: no "Killed" job notice
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
cc -O2 -Wall -o "$work/randread" "$here/randread.c"

qemu=$("$harness/build-qemu.sh" bookworm x86_64)
kdir=$("$harness/fetch-kernel.sh" amd64)
initrd=$("$harness/make-initramfs.sh" "$kdir")
"$qemu" -L /usr/share/qemu -L /usr/share/seabios -machine pc -m 512 -smp 2 -accel tcg,tb-size=128 \
	-nodefaults -display none -device vmcoreinfo -kernel "$kdir/vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=0 vmcorefs.panic=1" -serial "file:$work/serial.log" \
	-qmp "unix:$work/qmp.sock,server=on,wait=off" </dev/null >"$work/qemu.log" 2>&1 &
qemu_pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q 'end Kernel panic' "$work/serial.log" 2>/dev/null && break
	sleep 1
done
grep -q 'end Kernel panic' "$work/serial.log" || { say "the guest did not panic in 300 s"; exit 1; }
qmp() { timeout 300 /usr/bin/python3 "$harness/qmp.py" "$work/qmp.sock" "$@"; }
qmp stop

# The other ways to the same instant on disk, once each: they take seconds and write GBs.
mib_on_disk() { echo $(($(stat -c %b "$1") * $(stat -c %B "$1") / 1048576)); }
start=${EPOCHREALTIME/./}
qmp "{\"execute\": \"dump-guest-memory\", \"arguments\": {\"paging\": false, \"protocol\": \"file:$work/dump.vmcore\"}}"
dump_ms=$(since_ms "$start") dump_mib=$(mib_on_disk "$work/dump.vmcore")
start=${EPOCHREALTIME/./}
gdb -nx -batch -iex 'set debuginfod enabled off' -p "$qemu_pid" -ex "gcore $work/gcore.core" >"$work/gdb.log" 2>&1 ||
	{ cat "$work/gdb.log" >&2; say "gcore failed"; exit 1; }
gcore_ms=$(since_ms "$start") gcore_mib=$(mib_on_disk "$work/gcore.core")
live=--pid=$qemu_pid core=$work/gcore.core
"$vmcorefs" --compare="$work/dump.vmcore" "$live" >"$work/compare.out" ||
	{ cat "$work/compare.out" >&2; say "--pid does not agree with dump-guest-memory"; exit 1; }
rm "$work/dump.vmcore"

say "mount, random and sequential reads, --pid and the core interleaved"
cat "$core" >/dev/null
mbps() { awk -v b="$1" -v ms="$2" 'BEGIN { print b / ms / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }
for ((i = 0; i < runs; i++)); do
	for source in live core; do
		run=$(timed_mount "${!source}")
		sample "mount_$source" "${run% *}"
		bytes=$(stat -c %s "$mnt/guest.vmcore")
		read -r p50 p99 < <("$work/randread" "$mnt/guest.vmcore" "$bytes" 20000)
		sample "rand_p50_$source" "$p50"
		sample "rand_p99_$source" "$p99"
		unmount_core "${!source}"
		timed_mount "${!source}" >/dev/null
		start=${EPOCHREALTIME/./}
		dd if="$mnt/guest.vmcore" of=/dev/null bs=1M status=none
		sample "seq_$source" "$(mbps "$bytes" "$(since_ms "$start")")"
		unmount_core "${!source}"
	done
	last() { tail -n 1 "$work/samples/$1"; }
	sample ratio_mount "$(ratio "$(last mount_live)" "$(last mount_core)")"
	sample ratio_rand "$(ratio "$(last rand_p50_live)" "$(last rand_p50_core)")"
	sample ratio_seq "$(ratio "$(last seq_live)" "$(last seq_core)")"
done

echo "machine: nproc $(nproc), $(awk -F': ' '$1 ~ /^model name/ && !n++ { print $2 }' /proc/cpuinfo)," \
	"kernel $(uname -r), QEMU $("$qemu" --version | head -n 1), TCG, 512 MiB guest paused after its panic"
echo "runs: $runs; figures are median, min, max"
echo
printf '%-46s %9s %9s %9s  %-5s %-8s %s\n' figure median min max unit target verdict
echo '7. a live QEMU (--pid) against gcore'"'"'s core of the same instant'
row '--pid: mount' mount_live ms
row 'gcore core: mount' mount_core ms
row 'ratio mount --pid / core' ratio_mount x '<' 1.5
row '--pid: random 4 KiB p50' rand_p50_live us
row '--pid: random 4 KiB p99' rand_p99_live us
row 'gcore core: random 4 KiB p50' rand_p50_core us
row 'ratio random p50 --pid / core' ratio_rand x '<' 2
row '--pid: sequential dd bs=1M, first read' seq_live MB/s
row 'gcore core: sequential dd bs=1M, first read' seq_core MB/s
row 'ratio sequential --pid / core' ratio_seq x
echo
echo "to disk instead: QMP dump-guest-memory $((${dump_ms%.*} / 1000)).$((${dump_ms%.*} % 1000 / 100)) s, $dump_mib MiB;" \
	"gcore $((${gcore_ms%.*} / 1000)).$((${gcore_ms%.*} % 1000 / 100)) s, $gcore_mib MiB; --pid: nothing written"
