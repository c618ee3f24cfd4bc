#!/bin/bash
# Builds the harness guest's initramfs next to the kernel it belongs to (KERNELDIR from
# fetch-kernel.sh, so the cache is keyed by kernel release) and prints its path.
# The guest is static busybox (the host's for an amd64 kernel; Debian's arm64 busybox-static,
# downloaded, never installed, for an arm64 one) plus an /init that loads qemu_fw_cfg (the module
# through which the guest kernel writes VMCOREINFO to QEMU's vmcoreinfo device; a module on arm64
# too), with vmcorefs.virtio_mem=1 on the command line also virtio_mem and the virtio modules under
# it (so that a virtio-mem device plugs memory; amd64 only), prints a ready line on the serial
# console and, with vmcorefs.panic=1, crashes the kernel. vmcorefs.panic=fp crashes it from an awk
# that has just divided 1 by 3, so that the panicking vCPU holds live floating-point state with
# the inexact flag raised (QEMU folds such flags into FPSR only when asked: the arm64 notes must do
# the same). An arm64 initramfs also holds /aarch32-spin, a 32-bit Arm program that sets r0, r1,
# r8 and r12 and spins, which /init starts with vmcorefs.aarch32=1 so that a vCPU is in AArch32
# state when QEMU is stopped. vmcorefs.busy=1 starts a shell that loops for ever, a workload.
# vmcorefs.fill=MIB fills that much RAM with data (bench/vmcoreinfo-scan.sh).
# vmcorefs.flood=N writes N lines to the kernel log before the ready line (printk.devkmsg=on lets
# them all through), at debug level so that the console is spared: enough of them wrap the log.
set -eu
[ $# -eq 1 ] || { echo "usage: make-initramfs.sh KERNELDIR" >&2; exit 2; }
kdir=$1
# Named after this script (which holds /init), so that checkouts with different versions of it
# sharing one cache each keep their own image instead of rebuilding it over one another.
out=$kdir/initramfs-$(sha256sum "$0" | cut -c1-16).cpio.gz
# In load order: each after the modules it needs. fetch-kernel.sh fetches them for amd64 only.
virtio_modules=
[ ! -f "$kdir/virtio_mem.ko" ] ||
	virtio_modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_mem"
# Rebuilt when a module is newer than the cached image.
fresh=yes
for m in qemu_fw_cfg $virtio_modules; do [ "$out" -nt "$kdir/$m.ko" ] || fresh=no; done
if [ $fresh = yes ]; then echo "$out"; exit 0; fi

# A static ELF32 EM_ARM (EABI 5) executable of one segment at 0x10000 whose code, at 0x10054, is
# mov r0, #1; mov r1, #2; mov r8, #8; mov r12, #12; b . (each instruction little-endian).
aarch32_spin() {
	local ehdr phdr code
	ehdr='\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00' # ident: 32-bit, LE
	ehdr+='\x02\x00\x28\x00\x01\x00\x00\x00\x54\x00\x01\x00'   # ET_EXEC, EM_ARM, entry
	ehdr+='\x34\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05'   # phoff 52, flags EABI5
	ehdr+='\x34\x00\x20\x00\x01\x00\x00\x00\x00\x00\x00\x00'   # sizes, 1 phdr
	phdr='\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00' # PT_LOAD
	phdr+='\x68\x00\x00\x00\x68\x00\x00\x00\x05\x00\x00\x00\x00\x10\x00\x00' # 104 B, R+X
	code='\x01\x00\xa0\xe3\x02\x10\xa0\xe3\x08\x80\xa0\xe3\x0c\xc0\xa0\xe3\xfe\xff\xff\xea'
	printf %b "$ehdr$phdr$code"
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"  # mktemp makes it 0700; it becomes the guest's /
mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev"
case $(cat "$kdir/release") in
*-arm64)
	(cd "$stage" && apt-get download -q busybox-static:arm64 >&2 &&
		dpkg-deb --fsys-tarfile busybox-static_*.deb |
		tar -x -C bin --strip-components=2 ./bin/busybox &&
		rm busybox-static_*.deb)
	aarch32_spin >"$stage/aarch32-spin"
	chmod 755 "$stage/aarch32-spin"
	;;
*) cp /bin/busybox "$stage/bin/busybox" ;;
esac
cp "$kdir/qemu_fw_cfg.ko" "$stage/qemu_fw_cfg.ko"
mkdir "$stage/virtio_mem"
for m in $virtio_modules; do cp "$kdir/$m.ko" "$stage/virtio_mem/$m.ko"; done
echo "$virtio_modules" >"$stage/virtio_mem/order"
cat >"$stage/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The initramfs has no /dev/console of its own; talk to the serial console through devtmpfs.
exec </dev/console >/dev/console 2>&1
insmod /qemu_fw_cfg.ko || echo "VMCOREFS-ERROR insmod qemu_fw_cfg failed"
case " $(cat /proc/cmdline) " in
*" vmcorefs.virtio_mem=1 "*)
	for m in $(cat /virtio_mem/order); do
		insmod /virtio_mem/$m.ko || echo "VMCOREFS-ERROR insmod $m failed"
	done ;;
*" vmcorefs.aarch32=1 "*) /aarch32-spin & sleep 1 ;; # spinning before READY
esac
# A workload, for a guest looked at while it runs (tests/live): a shell counting for ever.
case " $(cat /proc/cmdline) " in
*" vmcorefs.busy=1 "*) sh -c 'n=0; while :; do n=$((n + 1)); done' & ;;
esac
for arg in $(cat /proc/cmdline); do
	case $arg in
	vmcorefs.flood=*)
		n=${arg#vmcorefs.flood=} i=1
		while [ $i -le "$n" ]; do
			echo "<7>vmcorefs: flooding the log, line $i of $n, to make it wrap" >/dev/kmsg
			i=$((i + 1))
		done ;;
	vmcorefs.fill=*)
		# MiB of RAM filled with data that is not zeros (a tmpfs file), as a busy guest's is.
		n=${arg#vmcorefs.fill=} i=0
		mkdir /fill && mount -t tmpfs -o size=100% fill /fill
		yes vmcorefs | head -c $((64 << 20)) >/fill/64m
		while [ $((i += 64)) -le "$n" ]; do cat /fill/64m; done >/fill/data ;;
	esac
done
echo "VMCOREFS-READY $(uname -r)"
case " $(cat /proc/cmdline) " in
*" vmcorefs.panic=1 "*) echo c >/proc/sysrq-trigger ;;
*" vmcorefs.panic=fp "*) awk 'BEGIN { third = 1 / 3; printf "c" >"/proc/sysrq-trigger" }' ;;
esac
while :; do sleep 3600; done
INIT
chmod 755 "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
