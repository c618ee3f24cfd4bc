#!/bin/bash
# Builds the harness guest's initramfs next to the kernel it belongs to (KERNELDIR from
# fetch-kernel.sh, so the cache is keyed by kernel release) and prints its path.
# The guest is static busybox (the host's for an amd64 kernel; Debian's arm64 busybox-static,
# downloaded, never installed, for an arm64 one) plus an /init that loads qemu_fw_cfg (the module
# through which the guest kernel writes VMCOREINFO to QEMU's vmcoreinfo device; a module on arm64
# too), prints a ready line on the serial console and, with vmcorefs.panic=1 on the command line,
# crashes the kernel. vmcorefs.panic=fp crashes it from an awk that has just divided 1 by 3, so
# that the panicking vCPU holds live floating-point state with the inexact flag raised (QEMU folds
# such flags into FPSR only when asked: the arm64 notes must do the same).
set -eu
[ $# -eq 1 ] || { echo "usage: make-initramfs.sh KERNELDIR" >&2; exit 2; }
kdir=$1
out=$kdir/initramfs.cpio.gz
# Rebuilt when this script (which holds /init) or the module is newer than the cached image.
if [ "$out" -nt "$0" ] && [ "$out" -nt "$kdir/qemu_fw_cfg.ko" ]; then echo "$out"; exit 0; fi

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
	;;
*) cp /bin/busybox "$stage/bin/busybox" ;;
esac
cp "$kdir/qemu_fw_cfg.ko" "$stage/qemu_fw_cfg.ko"
cat >"$stage/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The initramfs has no /dev/console of its own; talk to the serial console through devtmpfs.
exec </dev/console >/dev/console 2>&1
insmod /qemu_fw_cfg.ko || echo "VMCOREFS-ERROR insmod qemu_fw_cfg failed"
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
