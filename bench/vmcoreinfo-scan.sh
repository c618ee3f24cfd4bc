#!/bin/bash
# VMCOREINFO without the vmcoreinfo device, on a busy guest: a 6 GiB q35 guest (RAM below and above
# 4 GiB, two guest-physical blocks) that fills 4.5 GiB of its RAM with data, booted twice, with
# -device vmcoreinfo and without, each left as the kernel's core of its QEMU (SIGABRT). Times a
# mount of each core (until guest.vmcore's first bytes are read), page cache warm and dropped,
# interleaved run by run; with BASELINE=BINARY, that binary on the core without the device too
# (the scan before); and on a copy of the core with the device's has_vmcoreinfo flag cleared, which
# must find the very note the device points at. Prints where each found the note and whether the
# copy's equals the device's.
# Target (printed, never enforced): without the device within 1.2x of with it.
# Needs root (drop_caches) and about 15 GB under the cache. Usage: bench/vmcoreinfo-scan.sh;
# VMCOREFS=BINARY benchmarks that binary instead of a fresh Release build; MEMORY and FILL (MiB)
# size another guest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
harness=$here/../tests/harness
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}/bench
runs=5 memory=${MEMORY:-6144} fill=${FILL:-4608}
say() { echo "bench: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "needs root (drop_caches)"; exit 1; }
baseline=${BASELINE:+$(realpath "$BASELINE")}

bench_setup scan
cleanup() {
	if mountpoint -q "$mnt"; then fusermount3 -u "$mnt" || fusermount3 -uz "$mnt"; fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

qemu=$("$harness/build-qemu.sh" bookworm x86_64)
kdir=$("$harness/fetch-kernel.sh" amd64)
initrd=$("$harness/make-initramfs.sh" "$kdir")

# Boots the guest into directory NAME under $cache (with QEMU ARGS), lets it fill its RAM and
# leaves its QEMU's core there as NAME/core, unless that core is there already (keyed by the
# initramfs, which holds the fill).
busy_core() {
	local dir=$cache/$1-$memory-$fill pid status=0 i core
	[ "$(cat "$dir/initramfs" 2>/dev/null)" != "$initrd" ] || [ ! -f "$dir/core" ] || return 0
	rm -rf "$dir" && mkdir -p "$dir"
	say "$1: booting a $memory MiB guest that fills $fill MiB"
	(cd "$dir" && ulimit -c unlimited && exec "$qemu" -L /usr/share/qemu -L /usr/share/seabios \
		-machine q35 -m "$memory" -smp 2 -accel tcg,tb-size=128 -nodefaults -display none \
		"${@:2}" -kernel "$kdir/vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 panic=0 vmcorefs.fill=$fill" -serial file:serial.log \
		</dev/null >qemu.log 2>&1) &
	pid=$!
	for ((i = 0; i < 900; i++)); do
		grep -q '^VMCOREFS-READY' "$dir/serial.log" 2>/dev/null && break
		sleep 1
	done
	grep -q '^VMCOREFS-READY' "$dir/serial.log" ||
		{ kill -KILL $pid; say "$1: not ready in 900 s"; exit 1; }
	kill -ABRT $pid
	wait $pid || status=$?
	[ $status -eq 134 ] || { say "$1: QEMU exited with $status, not 134 (SIGABRT, core)"; exit 1; }
	core=$(find "$dir" -maxdepth 1 -name 'core*' -print -quit)
	[ -n "$core" ] ||
		{ say "$1: no core (core_pattern '$(cat /proc/sys/kernel/core_pattern)')"; exit 1; }
	[ "$core" = "$dir/core" ] || mv "$core" "$dir/core"
	echo "$initrd" >"$dir/initramfs"
}
busy_core busy-device -device vmcoreinfo
busy_core busy-nodevice
with=$cache/busy-device-$memory-$fill/core without=$cache/busy-nodevice-$memory-$fill/core

# The device's core of the same instant with the device's has_vmcoreinfo cleared, in a copy: all
# else equal, vmcorefs finds the note without the device (where the kernel's pointer says, or by
# scanning), and must find the one the device points at.
unwritten=$work/unwritten.core
symbol=$(nm "$qemu" | awk '$3 ~ /^vmcoreinfo_state(\.[0-9]+)?$/ && !n++ { print $3 }')
flag=$(timeout 120 gdb -nx -batch -iex 'set debuginfod enabled off' "$qemu" "$with" -ex \
	"printf \"=%lu\\n\", (unsigned long)&(*(VMCoreInfoState **)&'$symbol')->has_vmcoreinfo" \
	2>/dev/null | sed -n 's/^=//p')
[ -n "$flag" ] || { say "gdb cannot find the vmcoreinfo device's has_vmcoreinfo"; exit 1; }
offset=
while read -r type at vaddr _ filesz _; do
	[ "$type" = LOAD ] && ((vaddr <= flag && flag < vaddr + filesz)) || continue
	offset=$((at + flag - vaddr))
	break
done < <(readelf -lW "$with")
[ -n "$offset" ] || { say "has_vmcoreinfo ($flag) is not in the core"; exit 1; }
cp --sparse=always "$with" "$unwritten"
printf '\0' | dd of="$unwritten" bs=1 seek="$offset" conv=notrunc status=none

# The VMCOREINFO line of `vmcorefs --info CORE` by BINARY.
found() { "$1" --info "$2" | awk '/^VMCOREINFO:/ && !n++'; }
# The descriptor of the VMCOREINFO note in the guest.vmcore that vmcorefs serves for CORE.
note_text() {
	"$vmcorefs" "$1" "$mnt"
	python3 - "$mnt/guest.vmcore" <<-'PY'
		import struct, sys
		f = open(sys.argv[1], 'rb')
		ehdr = f.read(64)
		phoff, = struct.unpack_from('<Q', ehdr, 32)
		phentsize, phnum = struct.unpack_from('<HH', ehdr, 54)
		for i in range(phnum):
		    f.seek(phoff + i * phentsize)
		    p_type, _, p_offset, _, _, p_filesz = struct.unpack('<IIQQQQ', f.read(40))
		    if p_type != 4:  # PT_NOTE
		        continue
		    f.seek(p_offset)
		    notes, pos = f.read(p_filesz), 0
		    while pos + 12 <= len(notes):
		        namesz, descsz, _ = struct.unpack_from('<III', notes, pos)
		        name = notes[pos + 12:pos + 12 + namesz]
		        desc = pos + 12 + (namesz + 3) // 4 * 4
		        if name == b'VMCOREINFO\0':
		            sys.stdout.write(notes[desc:desc + descsz].decode())
		        pos = desc + (descsz + 3) // 4 * 4
	PY
	unmount_core "$1"
}

mount_ms() { # FIGURE BINARY CORE
	local ms
	read -r ms _ <<<"$(vmcorefs=$2 timed_mount "$3")"
	vmcorefs=$2 unmount_core "$3"
	sample "$1" "$ms"
}
say "timing mounts, $runs runs each"
for ((r = 0; r < runs; r++)); do
	for temp in warm cold; do
		for side in with without unwritten ${baseline:+baseline}; do
			core=$without binary=$vmcorefs
			[ "$side" != with ] || core=$with
			[ "$side" != unwritten ] || core=$unwritten
			[ "$side" != baseline ] || binary=$baseline
			if [ $temp = warm ]; then cat "$core" >/dev/null; else drop_caches; fi
			mount_ms "${side}_$temp" "$binary" "$core"
		done
		a=$(tail -1 "$work/samples/without_$temp") b=$(tail -1 "$work/samples/with_$temp")
		sample "ratio_$temp" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a / b }')"
	done
done

echo "VMCOREINFO in a busy $memory MiB q35 guest ($fill MiB filled), $runs runs"
printf '%-46s %9s %9s %9s  %s\n' figure median min max unit
for temp in warm cold; do
	row "mount, device present ($temp)" with_$temp ms
	row "mount, device absent ($temp)" without_$temp ms
	row "ratio absent / present ($temp)" ratio_$temp x '<' 1.2
	row "mount, same instant, note unpublished ($temp)" unwritten_$temp ms
	[ -z "$baseline" ] || row "mount, device absent, baseline ($temp)" baseline_$temp ms
done
echo "with the device:    $(found "$vmcorefs" "$with")"
echo "without the device: $(found "$vmcorefs" "$without")"
[ -z "$baseline" ] || echo "baseline, without:  $(found "$baseline" "$without")"
echo "same instant, unpublished: $(found "$vmcorefs" "$unwritten")"
device_note=$(note_text "$with") found_note=$(note_text "$unwritten")
if [ -n "$device_note" ] && [ "$device_note" = "$found_note" ]; then
	echo "the note found in the same instant's RAM equals the device's"
else
	echo "the note found in the same instant's RAM DIFFERS from the device's (or is none)"
fi
echo "cores: $(du -h --apparent-size "$with" | cut -f1) apparent," \
	"$(du -h "$with" | cut -f1) and $(du -h "$without" | cut -f1) on disk"
