#!/bin/bash
# Checks that a scenario written by make-scenario.sh captured what it claims, using only peers'
# tools, never vmcorefs. For a TCG guest, on QEMU's own reference vmcore: crash must open it and
# name the guest's release (and, after a panic, the panic message), and its notes must be one
# NT_PRSTATUS and one QEMU note per vCPU plus the guest's VMCOREINFO when QEMU had the device (an
# aarch64 guest: NT_PRSTATUS and NT_FPREGSET per vCPU; Debian's crash reads x86_64 vmcores only,
# so the release and the panic message are looked for in the reference's bytes instead). For
# the KVM guest, gdb must see in both process cores that KVM ran it and that no vCPU's registers
# had been synchronised into QEMU. For the firmware guests (no Linux), readelf must show QEMU's
# reference in the ELF class the scenario expects, EM_386, i386 register notes and the blocks that
# explain the class. The virtio-mem guest's plugged memory must be in QEMU's dump. The vmcorefs
# tests trust these files, so this must be able to fail.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: selfcheck.sh OUTDIR" >&2; exit 2; }
manifest=$1/manifest
case $1 in */kvm) [ -e /dev/kvm ] || { echo "selfcheck: SKIP: no /dev/kvm on this machine"; exit 77; } ;; esac
[ -f "$manifest" ] || { echo "selfcheck: no $manifest (did make-scenario.sh succeed?)" >&2; exit 1; }
get() { sed -n "s/^$1=//p" "$manifest"; }
scenario=$(get scenario) cpus=$(get cpus) target=$(get target)
fail() { echo "selfcheck: $scenario: $*" >&2; exit 1; }

# gdb reads QEMU's own variables from each core: the accelerator and CPUState.vcpu_dirty, which
# is false when KVM holds newer registers than QEMU's copy (reference §4.3).
check_kvm() {
	local core out want
	want="kvm_allowed 1"
	for ((i = 0; i < cpus; i++)); do want+=$'\n'"cpu $i vcpu_dirty 0"; done
	grep -q '^Running on KVM' "$(get firmware_log)" || fail "the firmware log does not say 'Running on KVM'"
	for core in "$(get gcore_core)" "$(get kernel_core)"; do
		out=$(timeout 300 gdb -nx -batch -iex 'set debuginfod enabled off' "$(get qemu)" "$core" \
			-x "$(dirname "$0")/vcpus.gdb" 2>&1) || fail "gdb failed on $core:"$'\n'"$out"
		out=$(grep -e '^kvm_allowed' -e '^cpu ' <<<"$out" || true)
		[ "$out" = "$want" ] || fail "gdb on $core shows"$'\n'"$out"$'\n'"expected"$'\n'"$want"
	done
	echo "selfcheck: kvm: OK (gdb on gcore.core and kernel.core: kvm_allowed 1, all $cpus vCPUs vcpu_dirty 0)"
}

# SeaBIOS outside long mode: EM_386 and the i386 elf_prstatus (144 bytes) per vCPU, the class from
# the blocks (one ending past 0xffffffff: ELFCLASS64). QEMU's ROM block [0xfffc0000, 4 GiB) is
# there only when SeaBIOS is the BIOS ROM, not in flash; RAM above 4 GiB only when asked for.
check_firmware() {
	local reference header notes loads want_loads paddr size ram=$(($(get memory_mib) << 20))
	reference=$(get reference)
	header=$(readelf -h "$reference") || fail "readelf -h failed on $reference"
	grep -qE "^ *Class: +$(get expected_class)\$" <<<"$header" || fail "$reference is not $(get expected_class):"$'\n'"$header"
	grep -qE '^ *Machine: +Intel 80386$' <<<"$header" || fail "$reference is not EM_386:"$'\n'"$header"
	notes=$(readelf -n "$reference" | awk '$2 ~ /^0x[0-9a-f]+$/ { print $1, $2, $3 }' | sort | uniq -c | sed 's/^ *//')
	[ "$notes" = "$cpus CORE 0x00000090 NT_PRSTATUS"$'\n'"$cpus QEMU 0x000001b8 Unknown" ] ||
		fail "notes of $reference are"$'\n'"$notes"
	loads=$(readelf -lW "$reference" | awk '$1 == "LOAD" { print $4, $5 }' |
		while read -r paddr size; do printf '%x+%x\n' $((paddr)) $((size)); done)
	case $scenario in
	firmware-rom) want_loads=$(printf '0+%x\nfffc0000+40000' $ram) ;;
	firmware-flash) want_loads=$(printf '0+%x' $ram) ;;
	firmware-flash-above4g) want_loads=$(printf '0+%x\n100000000+%x' $((ram / 2)) $((ram / 2))) ;;
	esac
	[ "$loads" = "$want_loads" ] || fail "PT_LOADs of $reference are"$'\n'"$loads"$'\n'"expected"$'\n'"$want_loads"
	echo "selfcheck: $scenario: OK ($(get expected_class), EM_386, PT_LOADs ${loads//$'\n'/ })"
}

[ "$scenario" != kvm ] || { check_kvm; exit 0; }
case $scenario in firmware-*) check_firmware; exit 0 ;; esac

release=$(get release) vmlinux=$(get vmlinux) reference=$(get reference)
# crash's `sys` prints PANIC: "" when the guest did not panic.
case $scenario in
panic | novmcoreinfo) panic='Kernel panic - not syncing: sysrq triggered crash' ;;
idle | virtiomem) panic='' ;;
*) fail "no expectations for this scenario" ;;
esac

# The virtio-mem memory the guest plugged must be in QEMU's dump, one PT_LOAD of exactly the plugged
# size at the device's address, or the scenario proves nothing about RamDiscardManagers.
if [ "$scenario" = virtiomem ]; then
	addr=$(get virtio_mem_addr) plugged=$(get virtio_mem_plugged)
	[ -n "$addr" ] && [ "$plugged" -gt 0 ] || fail "the manifest has no plugged virtio-mem memory"
	loads=$(readelf -lW "$reference" | awk '$1 == "LOAD" { print $4, $5 }')
	want=$(printf '0x%016x 0x%06x' "$addr" "$plugged")
	grep -qxF "$want" <<<"$loads" ||
		fail "no PT_LOAD of the plugged virtio-mem memory ($want) in $reference:"$'\n'"$loads"
fi

# readelf -n prints one "OWNER  0xSIZE<tab>DESCRIPTION" line per note; count owner + first word.
notes=$(readelf -n "$reference" | awk '$2 ~ /^0x[0-9a-f]+$/ { print $1, $3 }' | sort | uniq -c | sed 's/^ *//')
if [ "$target" = aarch64 ]; then
	want="$cpus CORE NT_FPREGSET
$cpus CORE NT_PRSTATUS"
	[ "$(get notes_per_vcpu)" != 3 ] || want+=$'\n'"$cpus LINUX NT_ARM_SVE"
else
	want="$cpus CORE NT_PRSTATUS
$cpus QEMU Unknown"
fi
[ "$scenario" = novmcoreinfo ] || want+=$'\n'"1 VMCOREINFO Unknown"
[ "$notes" = "$want" ] || fail "notes of $reference are"$'\n'"$notes"$'\n'"expected"$'\n'"$want"

if [ "$target" = aarch64 ]; then
	header=$(readelf -h "$reference")
	grep -q 'Machine: *AArch64' <<<"$header" || fail "$reference is not an AArch64 vmcore"
	grep -qaF "OSRELEASE=$release" "$reference" || fail "no OSRELEASE=$release in $reference"
	[ -z "$panic" ] || grep -qaF "$panic" "$reference" || fail "no '$panic' in $reference"
	echo "selfcheck: $scenario ($target): OK (notes of the reference: ${notes//$'\n'/ })"
	exit 0
fi

sys=$(printf 'sys\nquit\n' | timeout 300 crash -s "$vmlinux" "$reference" 2>&1) && crashed=0 || crashed=$?
# Without VMCOREINFO crash has to find KASLR through the QEMU notes' CR3 and IDT; whether it
# manages is a fact about crash worth seeing, not something this scenario promises.
if [ "$scenario" = novmcoreinfo ]; then
	echo "selfcheck: crash on QEMU's reference without VMCOREINFO (exit $crashed):"
	sed 's/^/    /' <<<"$sys"
else
	[ "$crashed" -eq 0 ] || fail "crash failed or timed out on $reference:"$'\n'"$sys"
	# sys right-aligns its field names; compare whole lines without the indentation.
	fields=$(sed 's/^ *//' <<<"$sys")
	has() { grep -qxF "$1" <<<"$fields" || fail "crash's sys does not show '$1':"$'\n'"$sys"; }
	has "RELEASE: $release"
	has "PANIC: \"$panic\""
fi
echo "selfcheck: $scenario: OK (notes of the reference: ${notes//$'\n'/ })"
