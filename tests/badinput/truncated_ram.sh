#!/bin/bash
# A real kernel core cut short inside guest RAM (RLIMIT_CORE, a full disk): a copy of the panic
# scenario's kernel.core truncated 1 MiB before the end of the PT_LOAD that holds guest-physical
# 0. It must mount; the cut range is absent: said once on stderr at mount, listed in MNT/info, and
# covered by no PT_LOAD of guest.vmcore (readelf); and crash still starts on what is present.
# (1 MiB: crash needs the per-CPU areas and page tables Linux allocates just below the top of RAM.)
# Usage: truncated_ram.sh VMCOREFS MANIFEST
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: truncated_ram.sh VMCOREFS MANIFEST" >&2; exit 2; }
vmcorefs=$1 manifest=$2
test_name=badinput.truncated-ram
. "$(dirname "$0")/../prelude.sh"
src=$(value kernel_core) qemu=$(value qemu) vmlinux=$(value vmlinux) release=$(value release)
[ -n "$src" ] || fail "$manifest has no kernel_core"

mnt=$work/mnt
mkdir "$mnt"
track_mount "$mnt"
core=$work/kernel.core
cp --sparse=always "$src" "$core"

# The host address of guest-physical 0 as gdb reads it from QEMU's FlatView, and its PT_LOAD.
host=$(timeout 120 gdb -nx -batch -iex 'set debuginfod enabled off' "$qemu" "$core" -ex \
	'printf "=%#lx\n", (unsigned long)address_space_memory.current_map->ranges[0].mr->ram_block->host' 2>&1 |
	sed -n 's/^=//p')
[ -n "$host" ] || fail "gdb cannot read the host address of guest RAM"
read -r offset _ filesz < <(readelf -lW "$core" | awk -v host=$((host)) '$1 == "LOAD" {
	print $2, $3, $5 }' | while read -r o v f; do ((v == host)) && { echo "$o $v $f"; break; }; done)
[ -n "${offset:-}" ] || fail "no PT_LOAD starts at guest RAM's host address $host"
(( filesz > 0x100000 )) || fail "the guest-RAM PT_LOAD holds only $filesz bytes"
cut=$((offset + filesz - 0x100000))
truncate -s $cut "$core"
# Guest-physical 0 is host $host, the PT_LOAD's start: the cut is at guest-physical filesz - 1 MiB.
start=$(printf '%#x' $((filesz - 0x100000))) end=$(printf '%#x' $((filesz)))
echo "cut at file offset $(printf '%#x' $cut): guest $start-$end must be absent"

# Where QEMU put some of its own structures above guest RAM (thread arenas are mmaps too), the
# cut takes them as well: then the core cannot be walked, and the one-line truncation error is
# what must come out instead.
if ! timeout 120 "$vmcorefs" --info "$core" >/dev/null 2>"$work/err"; then
	[ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "the core is truncated (.*ulimit -c" "$work/err" ||
		fail "--info on the cut core failed without the truncation error: $(cat "$work/err")"
	echo "QEMU's structures lie past the cut in this core; got: $(cat "$work/err")"
	exit 0
fi
timeout 120 "$vmcorefs" "$core" "$mnt" 2>"$work/err" || fail "mount failed: $(cat "$work/err")"
cat "$work/err"
line="vmcorefs: $core: guest $start-$end absent from the core (truncated)"
[ "$(grep -cxF "$line" "$work/err")" -eq 1 ] || fail "stderr does not say once: $line"
grep -v ' absent from the core (truncated)$' "$work/err" | grep . && fail "stderr says more than absent ranges"
grep -qE "^  guest 0x0*${start#0x}-0x0*${end#0x} \(truncated\)$" "$mnt/info" ||
	fail "info does not list guest $start-$end: $(grep -A3 '^absent' "$mnt/info")"

# No PT_LOAD (including the kernel-text alias, by its physical address) overlaps [start, end);
# one covers [0, start).
readelf -lW "$mnt/guest.vmcore" | awk '$1 == "LOAD" { print $4, $5 }' >"$work/loads"
covered=
while read -r paddr size; do
	((paddr + size <= start || paddr >= end)) || fail "PT_LOAD at paddr $paddr+$size covers absent memory"
	((paddr == 0 && size == start)) && covered=1
done <"$work/loads"
[ -n "$covered" ] || fail "no PT_LOAD for guest 0-$start: $(cat "$work/loads")"

printf '%s\n' sys quit | timeout 300 crash -s "$vmlinux" "$mnt/guest.vmcore" >"$work/crash" 2>&1 || true
grep -q "RELEASE: $release" "$work/crash" || { cat "$work/crash"; fail "crash does not start (no RELEASE)"; }
echo "ok: absent $start-$end reported once, in info, without PT_LOAD; crash: $(grep -m1 RELEASE "$work/crash" | sed 's/^ *//')"
