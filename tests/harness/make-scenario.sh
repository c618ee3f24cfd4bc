#!/bin/bash
# Boots the scenario NAME, a row of tests/scenarios.txt (its QEMU, machine and guest), freezes it,
# and writes into OUTDIR views of that one instant: QEMU's own vmcore (reference.vmcore, the ground
# truth, when the scenario can have one), the QEMU process core taken by gdb (gcore.core) and the
# one the Linux kernel writes on SIGABRT (kernel.core), plus OUTDIR/manifest (key=value lines) for
# the tests that read them.
# Exit status 77 (CTest's SKIP_RETURN_CODE) only when the scenario needs /dev/kvm and the machine
# has none.
set -eu
usage() { echo "usage: make-scenario.sh NAME OUTDIR   (NAME: a row of tests/scenarios.txt)" >&2; exit 2; }
[ $# -eq 2 ] || usage
here=$(cd "$(dirname "$0")" && pwd)
# The scenario's row: QEMU, MACHINE and GUEST (see tests/scenarios.txt). The manifest's name= is
# NAME; its scenario= is the GUEST recipe.
row=$(awk -F '[|]' -v name="$1" '{ n = $1; gsub(/^ +| +$/, "", n) } n == name' "$here/../scenarios.txt")
[ -n "$row" ] || { echo "make-scenario: no scenario $1 in tests/scenarios.txt" >&2; usage; }
IFS='|' read -r _ qemu_column machine_column guest_column _ <<<"$row"
read -r qemu_column <<<"$qemu_column"
read -r machine_column <<<"$machine_column"
read -r scenario guest_option <<<"$guest_column"
name=$1 qemu_suite=bookworm stock=no machine=pc machine_props='' memory=512 maxmem=''
ram_idstr=pc.ram target=x86_64 kernel_arch=amd64 console=ttyS0 cpu=() panic_by=1
notes_per_vcpu=2 idle_append=''
case $qemu_column in
7.2) ;;
10.0) qemu_suite=bookworm-backports ;;
stock) stock=yes ;; # Debian's qemu-system-x86 and qemu-system-arm
*) echo "make-scenario: $name: unknown QEMU '$qemu_column'" >&2; exit 2 ;;
esac
# An arm64 guest boots Debian's arm64 kernel in qemu-system-aarch64 (virt, TCG), and panics it from
# a process with live floating-point state (make-initramfs.sh); on the Cortex-A57, which has no
# SVE, an idle guest keeps a 32-bit task spinning, so that a vCPU is in AArch32 state; -cpu max has
# SVE (and SME, pointer authentication...), and with EL2 (virtualization=on) the kernel runs as a
# VHE host.
case $machine_column in
pc) ;;
q35) machine=q35 ;;
"q35 4608M") machine=q35 memory=4608 ;; # QEMU's dump and gcore write 4.5 GiB each
"virt a57" | "virt max" | "virt max el2")
	machine=virt ram_idstr=mach-virt.ram target=aarch64 kernel_arch=arm64 console=ttyAMA0
	panic_by=fp
	case $machine_column in
	"virt a57") cpu=(-cpu cortex-a57) idle_append=vmcorefs.aarch32=1 ;;
	"virt max") cpu=(-cpu max) notes_per_vcpu=3 ;;
	*) cpu=(-cpu max) notes_per_vcpu=3 machine_props=,virtualization=on ;;
	esac
	;;
*) echo "make-scenario: $name: unknown MACHINE '$machine_column'" >&2; exit 2 ;;
esac
cpus=2

# What a scenario varies: accelerator, QEMU devices, extra kernel arguments (kernel=no: no Linux,
# firmware only), and the line (a grep pattern) in the guest's console log that says the guest has
# reached the state to capture.
accel=tcg qemu_args=(-device vmcoreinfo) log=serial.log kernel=yes
# gcore writes TCG's translation buffer whole, 1 GiB by default: 128 MiB, plenty for these guests,
# keeps each gcore core 900 MB smaller (CI machines' disks are not large).
accel_props=,tb-size=128
# SeaBIOS logs to the debug port; its last line before retrying every 60 s says it has finished
# everything it will do.
debugcon=(-chardev file,id=fw,path=firmware.log -device isa-debugcon,iobase=0x402,chardev=fw)
case $scenario in
# The log buffer allocated at boot (log_buf_len=), outside the kernel image: the kernel log is
# reached through the direct map.
idle) append="$idle_append log_buf_len=4M" until='^VMCOREFS-READY ' ;;
# Guest RAM marked MADV_DONTDUMP: the kernel core has its PT_LOAD with p_filesz 0, gcore has none
# (tests/badinput). QEMU's own dump still reads it, so reference.vmcore is complete.
dumpoff) qemu_args=(-device vmcoreinfo -machine dump-guest-core=off) append='' until='^VMCOREFS-READY ' ;;
# The line after the panic message: by then the other vCPU is stopped and the panicking one idles.
panic) append=vmcorefs.panic=$panic_by until='end Kernel panic - not syncing: sysrq triggered crash' ;;
# The guest still loads qemu_fw_cfg, but with no device to write to, VMCOREINFO exists only in
# guest RAM: the reference dump has no VMCOREINFO note and vmcorefs has to find it by scanning.
novmcoreinfo) qemu_args=() append=vmcorefs.panic=$panic_by until='end Kernel panic - not syncing: sysrq triggered crash' ;;
# Stale registers: under KVM, QEMU's copy of a vCPU's registers is only brought up to date by a
# sync, and nothing syncs a guest that merely runs. Firmware only, because Linux boots far too
# slowly under the nested KVM of the test machines.
kvm)
	accel=kvm accel_props='' log=firmware.log until='^No bootable device' kernel=no
	qemu_args=(-device vmcoreinfo "${debugcon[@]}")
	if [ ! -e /dev/kvm ]; then echo "make-scenario: kvm: SKIP: no /dev/kvm on this machine" >&2; exit 77; fi
	# /dev/kvm exists, so KVM is expected to work: anything else is a failure, never a skip.
	if ! (exec 3<>/dev/kvm) 2>/dev/null; then
		echo "make-scenario: kvm: /dev/kvm exists but cannot be opened read-write: $(ls -l /dev/kvm)" >&2
		exit 1
	fi
	;;
# A virtio-mem device, whose memory QEMU's dump holds only where the guest plugged it (QEMU's
# RamDiscardManager). Of the 1 GiB region, in 2 MiB blocks (the default for RAM without huge
# pages), the guest plugs 130 MiB: its bitmap has a run of set bits and clear ones after it, and the
# plugged memory is a 128 MiB memory block plus 2 MiB of the next one. Linux leaves hotplugged
# memory offline unless told otherwise; online, the guest can use it.
virtiomem)
	maxmem=2G virtio_mem_requested=$((130 << 20))
	qemu_args=(-device vmcoreinfo -object memory-backend-ram,id=vmem0,size=1G
		-device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size="$virtio_mem_requested")
	append='vmcorefs.virtio_mem=1 memhp_default_state=online' until='^VMCOREFS-READY '
	;;
# A guest outside long mode (SeaBIOS, 16- and 32-bit code, under TCG): QEMU writes EM_386 and
# i386 NT_PRSTATUS notes, in an ELFCLASS32 file only when no guest-physical block ends past
# 0xffffffff (target/i386/arch_dump.c, cpu_get_dump_info). SeaBIOS as the BIOS ROM (QEMU's default)
# is a block ending at exactly 4 GiB, which QEMU counts as past it: ELFCLASS64. SeaBIOS in flash
# (pflash, a ROM device QEMU does not dump) leaves only RAM below 4 GiB: ELFCLASS32, unless RAM is
# put above 4 GiB (max-ram-below-4g), which makes ELFCLASS64 again. expected_class is what QEMU's
# reference must be (harness selfcheck).
firmware-*)
	accel=tcg log=firmware.log until='^No bootable device' kernel=no memory=128
	qemu_args=("${debugcon[@]}")
	accel_props=,tb-size=64 # firmware needs even less
	case $scenario in
	firmware-rom) expected_class=ELF64 ;;
	firmware-flash) expected_class=ELF32 ;;
	# 64 MiB below 4 GiB, 64 MiB from 4 GiB: small, unlike -bigmem's 4.5 GiB. QEMU warns that
	# max-ram-below-4g is not a multiple of 1 GiB (a performance hint).
	firmware-flash-above4g) expected_class=ELF64 machine_props=,max-ram-below-4g=64M ;;
	*) usage ;;
	esac
	[ "$scenario" = firmware-rom ] ||
		qemu_args+=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/seabios/bios-256k.bin)
	;;
*) usage ;;
esac
# flood: the guest logs more than its log buffer holds (128 KiB, 4096 records) before it reaches
# the state captured: the kernel log has wrapped in both of its rings.
case $guest_option in
'') ;;
flood) append="$append vmcorefs.flood=6000 printk.devkmsg=on" ;;
*) echo "make-scenario: $name: unknown GUEST option '$guest_option'" >&2; exit 2 ;;
esac

if [ $stock = yes ]; then
	qemu=/usr/bin/qemu-system-$target
	[ -x "$qemu" ] || { echo "make-scenario: $name: no $qemu (scripts/install-deps.sh installs it)" >&2; exit 1; }
else
	qemu=$("$here/build-qemu.sh" $qemu_suite $target)
fi
if [ $kernel = yes ]; then
	kdir=$("$here/fetch-kernel.sh" $kernel_arch)
	initrd=$("$here/make-initramfs.sh" "$kdir")
	release=$(cat "$kdir/release")
	boot=(-kernel "$kdir/vmlinuz" -initrd "$initrd" -append "console=$console panic=0 $append")
else
	boot=()
fi

rm -rf "$2"
mkdir -p "$2"
out=$(cd "$2" && pwd)

say() { echo "make-scenario: $name: $*" >&2; }
fail() {
	say "$*"
	echo "--- $log (last 20 lines):" >&2; tail -n 20 "$out/$log" >&2 2>/dev/null || true
	echo "--- QEMU output:" >&2; cat "$out/qemu.log" >&2
	exit 1
}
# A dead child stays in /proc as a zombie until waited for, so test its state, not kill -0.
alive() { case $(sed -n 's/^State:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null) in '' | Z* | X*) return 1 ;; esac; }
start=$(date +%s)
elapsed() { echo $(($(date +%s) - start)); }
# Most of each file is pages of zeros (guest RAM the guest never wrote, TCG's buffers, malloc's
# arenas): holes for them keep a scenario near 0.4 GB on disk instead of 2.5 GB (CI machines'
# disks are not large). Reads see the same bytes; the cores' holes are read as a real kernel's
# sparse core is. QEMU makes its dump read-only, hence the chmod.
sparsify() {
	local mode
	mode=$(stat -c %a "$1")
	chmod u+w "$1"
	fallocate --dig-holes "$1" || say "$1: no holes punched, it keeps its zeros"
	chmod "$mode" "$1"
}

# cwd = OUTDIR because a relative core_pattern (Debian's default "core") is relative to it.
(cd "$out" && ulimit -c unlimited && exec "$qemu" -L /usr/share/qemu -L /usr/share/seabios \
	-machine $machine$machine_props "${cpu[@]}" -m $memory${maxmem:+,maxmem=$maxmem} -smp $cpus -accel $accel$accel_props -nodefaults -display none "${qemu_args[@]}" "${boot[@]}" \
	-serial "file:$out/serial.log" -qmp "unix:$out/qmp.sock,server=on,wait=off") \
	</dev/null >"$out/qemu.log" 2>&1 &
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true' EXIT
trap 'exit 1' HUP INT TERM

until grep -q "$until" "$out/$log" 2>/dev/null; do
	alive || fail "QEMU exited before the guest printed '$until'"
	[ "$(elapsed)" -lt 300 ] || fail "no '$until' in $log after 300 s"
	sleep 1
done
say "guest reached '$until' after $(elapsed) s"

# The guest plugs virtio-mem memory after its driver has loaded, in the background: wait until
# QEMU's device says all of the requested size is plugged.
if [ -n "${virtio_mem_requested:-}" ]; then
	qom_get() {
		timeout 60 /usr/bin/python3 "$here/qmp.py" "$out/qmp.sock" \
			"{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/machine/peripheral/vm0\", \"property\": \"$1\"}}"
	}
	until [ "$(qom_get size)" = "$virtio_mem_requested" ]; do
		alive || fail "QEMU exited before the guest plugged its virtio-mem memory"
		! grep -q '^VMCOREFS-ERROR' "$out/$log" || fail "the guest could not load its modules"
		[ "$(elapsed)" -lt 300 ] || fail "virtio-mem: $(qom_get size) of $virtio_mem_requested bytes plugged after 300 s"
		sleep 1
	done
	virtio_mem_addr=$(qom_get memaddr)
	say "virtio-mem: $virtio_mem_requested bytes plugged at $virtio_mem_addr after $(elapsed) s"
fi

if [ $accel = kvm ]; then
	# No QMP stop or dump here: dump-guest-memory syncs every vCPU's registers, which is
	# exactly what this scenario must not have. Give the vCPUs ~10 s of running past the last
	# sync (the firmware's boot) instead.
	while [ "$(elapsed)" -lt 10 ]; do sleep 1; done
	alive || fail "QEMU died while the firmware idled"
else
	# The 32-bit task spins in user mode, but a vCPU also spends time in the kernel (timer ticks
	# are slow under TCG): stop until QEMU's register dump shows a vCPU in AArch32 state (a PSR=
	# line; AArch64 state prints PSTATE=).
	if [[ " ${append:-} " = *" vmcorefs.aarch32=1 "* ]]; then
		registers='{"execute": "human-monitor-command", "arguments": {"command-line": "info registers -a"}}'
		for ((try = 1; ; try++)); do
			state=$(timeout 60 /usr/bin/python3 "$here/qmp.py" "$out/qmp.sock" stop "$registers") ||
				fail "QMP stop + info registers failed or timed out"
			grep -q '^PSR=' <<<"$state" && break
			[ $try -lt 20 ] || fail "no vCPU in AArch32 state in 20 stops"
			timeout 60 /usr/bin/python3 "$here/qmp.py" "$out/qmp.sock" cont || fail "QMP cont failed"
			sleep 1
		done
		say "a vCPU is in AArch32 state (stop $try)"
	fi
	start=$(date +%s)
	timeout 300 /usr/bin/python3 "$here/qmp.py" "$out/qmp.sock" stop \
		"{\"execute\": \"dump-guest-memory\", \"arguments\": {\"paging\": false, \"protocol\": \"file:$out/reference.vmcore\"}}" ||
		fail "QMP stop + dump-guest-memory failed or timed out"
	sparsify "$out/reference.vmcore"
	say "reference.vmcore written in $(elapsed) s"
fi

# debuginfod off: gdb would otherwise try the network (DEBUGINFOD_URLS) for every shared library.
start=$(date +%s)
if ! timeout 600 gdb -nx -batch -iex 'set debuginfod enabled off' -p $pid -ex "gcore $out/gcore.core" \
	>"$out/gdb.log" 2>&1 || [ ! -s "$out/gcore.core" ]; then
	cat "$out/gdb.log" >&2
	fail "gcore failed or timed out"
fi
sparsify "$out/gcore.core"
say "gcore.core written in $(elapsed) s"

start=$(date +%s)
kill -ABRT $pid
while alive; do
	[ "$(elapsed)" -lt 300 ] || fail "QEMU still not dead 300 s after SIGABRT"
	sleep 1
done
status=0
wait $pid 2>/dev/null || status=$?  # 2>/dev/null: no "Aborted (core dumped)" job notice
[ $status -eq 134 ] || fail "QEMU exited with status $status after SIGABRT, expected 134"
for f in "$out/core.$pid" "$out/core"; do
	[ -f "$f" ] && mv "$f" "$out/kernel.core" && break
done
if [ -f "$out/kernel.core" ]; then
	sparsify "$out/kernel.core"
	say "kernel.core written in $(elapsed) s"
elif [ $accel = kvm ]; then
	# A real KVM crash leaves exactly this core, with nothing (not even gdb's ptrace stop)
	# between the running vCPUs and the dump: without it the scenario proves little.
	fail "no core file in $out after SIGABRT (core_pattern is '$(cat /proc/sys/kernel/core_pattern)')"
else
	say "no core file in $out after SIGABRT (core_pattern is '$(cat /proc/sys/kernel/core_pattern)'); gcore only"
fi

{
	echo "scenario=$scenario"
	echo "name=$name"
	echo "qemu_version=$("$qemu" --version | sed -n '1s/^QEMU emulator version \([0-9.]*\).*/\1/p')"
	# The versioned machine type QEMU reports for the alias (pc-i440fx-7.2, pc-q35-10.0).
	echo "machine_type=$("$qemu" -machine help | sed -n "s/^$machine .*(alias of \(.*\))\$/\1/p")"
	echo "memory_mib=$memory"
	if [ -n "${virtio_mem_requested:-}" ]; then
		echo "virtio_mem_addr=$virtio_mem_addr"
		echo "virtio_mem_plugged=$virtio_mem_requested"
	fi
	echo "target=$target"
	echo "ram_idstr=$ram_idstr" # the machine's RAM, its largest RAMBlock
	# QEMU's CPU notes per vCPU: x86 NT_PRSTATUS and QEMU; aarch64 NT_PRSTATUS and NT_PRFPREG,
	# and NT_ARM_SVE on -cpu max.
	echo "notes_per_vcpu=$notes_per_vcpu"
	echo "qemu=$qemu"
	echo "qemu_pid=$pid"
	echo "cpus=$cpus"
	echo "accelerator=$accel"
	if [ $kernel = yes ]; then
		echo "vmlinux=$kdir/vmlinux"
		echo "vmlinuz=$kdir/vmlinuz"
		echo "initramfs=$initrd"
		echo "release=$release"
	fi
	[ $accel != tcg ] || echo "reference=$out/reference.vmcore"
	[ -z "${expected_class:-}" ] || echo "expected_class=$expected_class"
	echo "gcore_core=$out/gcore.core"
	[ ! -f "$out/kernel.core" ] || echo "kernel_core=$out/kernel.core"
	echo "${log%.log}_log=$out/$log"
} >"$out/manifest.tmp"
# The manifest appears only when everything above succeeded.
mv "$out/manifest.tmp" "$out/manifest"
