#!/bin/bash
# vmcorefs --pid on a live QEMU under KVM: SeaBIOS alone (Linux boots far too slowly under nested
# KVM), in the debug-info QEMU of a harness scenario (MANIFEST: panic). Under KVM the registers
# QEMU keeps are a copy that only a sync brings up to date:
#   running  --info --pid reports every vCPU's registers stale (KVM had not synchronised them),
#            with no CPU notes
#   paused   QMP stop, then QEMU's dump-guest-memory, which syncs them: --compare --pid agrees
#            with the dump byte for byte, registers included, and no vCPU is reported stale
# Exit status 77 (skip) only on a machine without /dev/kvm.
# Usage: kvm.sh VMCOREFS MANIFEST
set -eu
test_name=live-kvm
. "$(dirname "$0")/../prelude.sh"
[ $# -eq 2 ] || fail "usage: kvm.sh VMCOREFS MANIFEST"
vmcorefs=$1 manifest=$2
harness=$(cd "$(dirname "$0")/../harness" && pwd)
say() { echo "live-kvm: $*"; }
[ -e /dev/kvm ] || { say "SKIP: no /dev/kvm on this machine"; exit 77; }
qemu=$(manifest_value "$manifest" qemu)
cpus=2

"$qemu" -L /usr/share/qemu -L /usr/share/seabios -machine pc -m 128 -smp $cpus -accel kvm \
	-nodefaults -display none -device vmcoreinfo \
	-chardev "file,id=fw,path=$work/firmware.log" -device isa-debugcon,iobase=0x402,chardev=fw \
	-qmp "unix:$work/qmp.sock,server=on,wait=off" </dev/null >"$work/qemu.log" 2>&1 &
pid=$!
track_process $pid
qmp() { timeout 60 /usr/bin/python3 "$harness/qmp.py" "$work/qmp.sock" "$@"; }
# SeaBIOS's last line before it retries every 60 s: from here on it does nothing new.
await_line "$work/firmware.log" '^No bootable device' $pid 300 "$work/qemu.log" >/dev/null

# running: QEMU's copy of the registers is not the vCPUs'.
running=$work/running.out
"$vmcorefs" --info --pid=$pid >"$running" 2>&1 || { cat "$running"; fail "running: --info --pid failed"; }
grep -q '^accelerator: kvm$' "$running" || { cat "$running"; fail "running: QEMU is not under KVM"; }
for ((i = 0; i < cpus; i++)); do
	grep -q "vCPU $i: registers are stale (KVM had not synchronised them with QEMU)" "$running" ||
		{ cat "$running"; fail "running: vCPU $i is not reported stale"; }
done
say "running: every vCPU's registers reported stale, none given"

# paused: QEMU's dump syncs every vCPU's registers into QEMU, and vmcorefs reads the same.
dump="{\"execute\": \"dump-guest-memory\","
dump+=" \"arguments\": {\"paging\": false, \"protocol\": \"file:$work/reference.vmcore\"}}"
qmp stop "$dump" || fail "paused: QMP stop + dump-guest-memory failed"
compared=$work/compare.out
"$vmcorefs" --compare="$work/reference.vmcore" --pid=$pid >"$compared" 2>&1 ||
	{ cat "$compared"; fail "paused: --compare --pid does not agree with QEMU's dump"; }
grep -q '^notes: ' "$compared" || { cat "$compared"; fail "paused: --compare compared no notes"; }
! grep -q 'registers are stale' "$compared" || { cat "$compared"; fail "paused: a vCPU is reported stale"; }
say "paused: --compare --pid agrees with dump-guest-memory; $(grep '^notes:' "$compared")"
