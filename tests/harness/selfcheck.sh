#!/bin/bash
# Checks that a scenario written by make-scenario.sh captured what it claims, using only peers'
# tools, never vmcorefs. For a TCG guest, on QEMU's own reference vmcore: crash must open it and
# name the guest's release (and, after a panic, the panic message), and its notes must be one
# NT_PRSTATUS and one QEMU note per vCPU plus the guest's VMCOREINFO when QEMU had the device (an
# aarch64 guest: NT_PRSTATUS and NT_FPREGSET per vCPU; Debian's crash reads x86_64 vmcores only,
# so the release and the panic message are looked for in the reference's bytes instead). For
# the KVM guest, gdb must see in both process cores that KVM ran it and that no vCPU's registers
# had been synchronised into QEMU. The vmcorefs tests trust these files, so this must be able to fail.
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

[ "$scenario" != kvm ] || { check_kvm; exit 0; }

release=$(get release) vmlinux=$(get vmlinux) reference=$(get reference)
# crash's `sys` prints PANIC: "" when the guest did not panic.
case $scenario in
panic | novmcoreinfo) panic='Kernel panic - not syncing: sysrq triggered crash' ;;
idle) panic='' ;;
*) fail "no expectations for this scenario" ;;
esac

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
	echo "selfcheck: $scenario ($target): OK (notes of the reference:" $notes")"
	exit 0
fi

sys=$(printf 'sys\nquit\n' | timeout 300 crash -s "$vmlinux" "$reference" 2>&1) && crashed=0 || crashed=$?
# Without VMCOREINFO crash has to find KASLR through the QEMU notes' CR3 and IDT; whether it
# manages is a fact about crash worth seeing, not something this scenario promises.
if [ "$scenario" = novmcoreinfo ]; then
	echo "selfcheck: crash on QEMU's reference without VMCOREINFO (exit $crashed):"
	sed 's/^/    /' <<<"$sys"
else
	[ $crashed -eq 0 ] || fail "crash failed or timed out on $reference:"$'\n'"$sys"
	# sys right-aligns its field names; compare whole lines without the indentation.
	fields=$(sed 's/^ *//' <<<"$sys")
	has() { grep -qxF "$1" <<<"$fields" || fail "crash's sys does not show '$1':"$'\n'"$sys"; }
	has "RELEASE: $release"
	has "PANIC: \"$panic\""
fi
echo "selfcheck: $scenario: OK (notes of the reference:" $notes")"
