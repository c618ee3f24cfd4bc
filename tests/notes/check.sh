#!/bin/bash
# Checks the notes vmcorefs writes in two situations QEMU's own dump handles differently:
# VMCOREINFO found by scanning guest RAM (scenario novmcoreinfo: QEMU had no vmcoreinfo device),
# and vCPU registers that KVM never synchronised into QEMU (scenario kvm: no CPU notes at all).
# Usage: check.sh CHECK VMCOREFS MANIFEST CORE_KEY    (CORE_KEY gcore_core or kernel_core)
#   novmcoreinfo: found | notes | crash | drgn       kvm: stale | machine | readelf | accel | blocks
# Exit status 77 (skip) only for a kvm check on a machine without /dev/kvm.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: check.sh CHECK VMCOREFS MANIFEST CORE_KEY" >&2; exit 2; }
check=$1 vmcorefs=$2 manifest=$3 key=$4
here=$(cd "$(dirname "$0")" && pwd)

case $check in stale | machine | readelf | accel | blocks)
	[ -e /dev/kvm ] || { echo "check $check: SKIP: no /dev/kvm on this machine, so no kvm scenario"; exit 77; } ;;
esac
test_name="check $check"
. "$here/../prelude.sh"
core=$(value "$key") scenario=$(value scenario) cpus=$(value cpus)
[ -n "$core" ] || fail "$manifest has no $key"
test_name="check $check ($scenario, $key)"

mnt=$work/mnt
mkdir "$mnt"
track_mount "$mnt"
# The mount's stderr is kept: the warnings it prints are part of what is checked.
mount_guest() {
	"$vmcorefs" "$core" "$mnt" 2>"$work/mount.err" || { cat "$work/mount.err"; fail "vmcorefs could not mount $core"; }
	cat "$work/mount.err"
}
# The JSON strings of info.json's "warnings", one a line.
json_warnings() { /usr/bin/python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["warnings"]))' "$1"; }
# Fails unless FILE has a line matching the grep -E pattern; says which view of the core missed it.
must_say() {
	grep -qE "$2" "$1" || { cat "$1"; fail "$3 does not say /$2/"; }
}

# The four places a user sees warnings all say where VMCOREINFO came from, and none of them
# claims it is missing. An x86_64 guest's note is found where its kernel's own vmcoreinfo_note
# points (read through a vCPU's CR3); an arm64 guest's by scanning guest RAM.
check_found() {
	local route='' said
	[ "$(value target)" != x86_64 ] || route=", where the guest kernel's vmcoreinfo_note points"
	said="VMCOREINFO found in guest RAM at 0x[0-9a-f]+$route \(QEMU ran without -device vmcoreinfo\)"
	"$vmcorefs" --info "$core" >"$work/info.out" 2>&1 || { cat "$work/info.out"; fail "--info failed"; }
	mount_guest
	json_warnings "$mnt/info.json" >"$work/json.out"
	for view in info.out mount.err json.out; do
		must_say "$work/$view" "$said" "$view"
		! grep -q 'no VMCOREINFO' "$work/$view" || fail "$view also says there is no VMCOREINFO"
	done
	must_say "$mnt/info" "^  $said\$" "MNT/info"
	grep -ohE 'VMCOREINFO found in guest RAM at 0x[0-9a-f]+' "$work/info.out" "$work/mount.err" "$mnt/info" "$work/json.out" |
		sort -u >"$work/addresses"
	[ "$(wc -l <"$work/addresses")" -eq 1 ] || fail "the views disagree on the address: $(cat "$work/addresses")"
}

# guest.vmcore's notes are the reference's (CPU notes byte for byte) plus one VMCOREINFO note,
# and that note is the running kernel's: its release, the build-id of vmlinux, and
# an init_uts_ns that is vmlinux's moved by the KERNELOFFSET it states.
check_notes() {
	local reference vmlinux text offset symbol linked built
	reference=$(value reference) vmlinux=$(value vmlinux)
	mount_guest
	"$here/elf_notes.py" list "$reference" >"$work/ref"
	"$here/elf_notes.py" list "$mnt/guest.vmcore" >"$work/ours"
	cat "$work/ours"
	! grep -q '^VMCOREINFO ' "$work/ref" || fail "the reference has a VMCOREINFO note: QEMU had the device after all"
	[ "$(grep -c '^CORE 1 ' "$work/ref")" -eq "$cpus" ] || fail "the reference has no NT_PRSTATUS per vCPU"
	diff "$work/ref" <(head -n -1 "$work/ours") || fail "guest.vmcore's notes (but the last) differ from the reference's"
	tail -n 1 "$work/ours" | grep -q '^VMCOREINFO 0 [0-9]' || fail "guest.vmcore's last note is not VMCOREINFO"
	text=$("$here/elf_notes.py" desc "$mnt/guest.vmcore" VMCOREINFO | tr -d '\0')
	[ "$(head -n 1 <<<"$text")" = "OSRELEASE=$(value release)" ] || fail "VMCOREINFO starts with '$(head -n 1 <<<"$text")'"
	built=$(readelf -n "$vmlinux" | sed -n 's/^ *Build ID: //p')
	grep -qx "BUILD-ID=$built" <<<"$text" || fail "VMCOREINFO's BUILD-ID is not vmlinux's ($built)"
	offset=$(sed -n 's/^KERNELOFFSET=//p' <<<"$text") symbol=$(sed -n 's/^SYMBOL(init_uts_ns)=//p' <<<"$text")
	linked=$(nm "$vmlinux" | awk '$3 == "init_uts_ns" { print $1 }')
	[ -n "$offset" ] && [ -n "$symbol" ] && [ -n "$linked" ] || fail "no KERNELOFFSET or init_uts_ns to compare"
	[ $((0x$linked + 0x$offset)) -eq $((0x$symbol)) ] ||
		fail "init_uts_ns: VMCOREINFO $symbol, vmlinux $linked + KERNELOFFSET $offset"
	echo "VMCOREINFO: $(head -n 1 <<<"$text"), BUILD-ID=$built, KERNELOFFSET=$offset"
}

crash_session() {
	printf '%s\n' sys bt quit | timeout 300 crash -s "$(value vmlinux)" "$1" 2>&1
}

# crash opens guest.vmcore with nothing but vmlinux (no --kaslr): KASLR comes from the found
# VMCOREINFO. What crash makes of QEMU's own note-less dump is printed for the record only.
check_crash() {
	mount_guest
	crash_session "$mnt/guest.vmcore" >"$work/ours" || { cat "$work/ours"; fail "crash failed on guest.vmcore"; }
	cat "$work/ours"
	must_say "$work/ours" "^ *RELEASE: $(value release)\$" "crash's sys"
	must_say "$work/ours" '^ *PANIC: "Kernel panic - not syncing: sysrq triggered crash"$' "crash's sys"
	must_say "$work/ours" 'sysrq_handle_crash' "crash's bt"
	echo "--- for the record, crash on QEMU's reference (no VMCOREINFO note), differences from the above:"
	crash_session "$(value reference)" >"$work/ref" || echo "(crash exit status $?)"
	! diff <(grep -v DUMPFILE: "$work/ours") <(grep -v DUMPFILE: "$work/ref") || echo "(none but DUMPFILE)"
}

# drgn needs VMCOREINFO (it refuses QEMU dumps without it); on guest.vmcore it reads the panic.
check_drgn() {
	if /usr/bin/python3 "$here/../qemu/drgn_check.py" "$(value reference)" "$(value vmlinux)" panic >"$work/ref" 2>&1; then
		echo "for the record, drgn also reads QEMU's reference"
	else
		echo "for the record, drgn on QEMU's reference: $(tail -n 1 "$work/ref")"
	fi
	mount_guest
	/usr/bin/python3 "$here/../qemu/drgn_check.py" "$mnt/guest.vmcore" "$(value vmlinux)" panic >"$work/ours" 2>&1 ||
		{ cat "$work/ours"; fail "drgn failed on guest.vmcore"; }
	cat "$work/ours"
	grep -qx "release $(value release)" "$work/ours" || fail "drgn printed the wrong release"
}

# Every vCPU is reported stale, in the mount's stderr, MNT/info, MNT/info.json and --info.
check_stale() {
	"$vmcorefs" --info "$core" >"$work/info.out" 2>&1 || { cat "$work/info.out"; fail "--info failed"; }
	mount_guest
	json_warnings "$mnt/info.json" >"$work/json.out"
	cp "$mnt/info" "$work/info"
	for ((i = 0; i < cpus; i++)); do
		for view in mount.err info json.out info.out; do
			must_say "$work/$view" "vCPU $i: registers are stale \(KVM had not synchronised them with QEMU\); no CPU notes written for it" "$view"
		done
	done
}

# No register notes at all (stale ones would mislead crash), yet still an x86_64 ELF64 vmcore:
# the first vCPU's stale hflags must not turn it into EM_386.
check_machine() {
	mount_guest
	"$here/elf_notes.py" list "$mnt/guest.vmcore" >"$work/ours"
	cat "$work/ours"
	[ "$(head -n 1 "$work/ours")" = "machine 62" ] || fail "e_machine is not EM_X86_64 (62)"
	[ "$(od -An -tu1 -j4 -N1 "$mnt/guest.vmcore" | tr -d ' ')" = 2 ] || fail "not ELFCLASS64"
	! grep -qE '^(CORE 1|QEMU) ' "$work/ours" || fail "guest.vmcore has NT_PRSTATUS or QEMU notes"
	readelf -h -l -W "$mnt/guest.vmcore" >"$work/out" 2>"$work/err" || fail "readelf -h -l failed"
	[ ! -s "$work/err" ] || { cat "$work/err"; fail "readelf warned"; }
}

# With no register notes and no VMCOREINFO the notes may be empty; both readelfs must still list
# them without error (binutils' readelf -n exits 1, silently, on a zero-length PT_NOTE).
check_readelf() {
	mount_guest
	readelf -lW "$mnt/guest.vmcore" | grep -E '^ +NOTE ' || fail "no PT_NOTE"
	eu-readelf -n "$mnt/guest.vmcore" >"$work/out" 2>"$work/err" && [ ! -s "$work/err" ] ||
		{ cat "$work/err"; fail "eu-readelf -n failed or warned"; }
	readelf -n -W "$mnt/guest.vmcore" >"$work/out" 2>"$work/err" || status=$?
	[ "${status:-0}" -eq 0 ] && [ ! -s "$work/err" ] ||
		{ cat "$work/err"; fail "readelf -n failed (exit ${status:-0}) or warned on guest.vmcore's notes"; }
}

check_accel() {
	"$vmcorefs" --info "$core" >"$work/info.out" 2>/dev/null || fail "--info failed"
	must_say "$work/info.out" '^accelerator: kvm$' "--info"
	mount_guest
	[ "$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["accelerator"])' "$mnt/info.json")" = kvm ] ||
		fail "info.json's accelerator is not kvm"
}

# 512 MiB of RAM below 4 GiB and SeaBIOS's 256 KiB at the top of 4 GiB, and nothing else
# (-nodefaults: no VGA RAM); the BIOS block holds exactly the firmware file QEMU loaded.
check_blocks() {
	mount_guest
	ls "$mnt/blocks" >"$work/blocks"
	diff <(printf '%s\n' 0000000000000000-0000000020000000 00000000fffc0000-0000000100000000) "$work/blocks" ||
		fail "blocks/ is not RAM + BIOS"
	[ "$(stat -c %s "$mnt/blocks/0000000000000000-0000000020000000")" -eq $((512 << 20)) ] || fail "RAM block is not 512 MiB"
	cmp "$mnt/blocks/00000000fffc0000-0000000100000000" /usr/share/seabios/bios-256k.bin ||
		fail "the BIOS block differs from /usr/share/seabios/bios-256k.bin"
	readelf -lW "$mnt/guest.vmcore" | awk '$1 == "LOAD" { print $4, $5 }' >"$work/loads"
	diff <(printf '%s\n' '0x0000000000000000 0x20000000' '0x00000000fffc0000 0x040000') "$work/loads" ||
		fail "guest.vmcore's PT_LOADs are not RAM + BIOS"
}

case $check in
found | notes | crash | drgn | stale | machine | readelf | accel | blocks) "check_$check" ;;
*) echo "check: unknown check $check" >&2; exit 2 ;;
esac
echo "check $check ($scenario, $key): ok"
