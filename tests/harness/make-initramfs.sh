#!/bin/bash
# Builds the harness guest's initramfs next to the kernel it belongs to (KERNELDIR from
# fetch-kernel.sh, so the cache is keyed by kernel release) and prints its path.
# The guest is static busybox plus an /init that loads qemu_fw_cfg (the module through which the
# guest kernel writes VMCOREINFO to QEMU's vmcoreinfo device), with vmcorefs.virtio_mem=1 on the
# command line also virtio_mem and the virtio modules under it (so that a virtio-mem device plugs
# memory), prints a ready line on the serial console and, with vmcorefs.panic=1, crashes the
# kernel.
set -eu
[ $# -eq 1 ] || { echo "usage: make-initramfs.sh KERNELDIR" >&2; exit 2; }
kdir=$1
# Named after this script (which holds /init), so that checkouts with different versions of it
# sharing one cache each keep their own image instead of rebuilding it over one another.
out=$kdir/initramfs-$(sha256sum "$0" | cut -c1-16).cpio.gz
# In load order: each after the modules it needs.
virtio_modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_mem"
# Rebuilt when a module is newer than the cached image.
fresh=yes
for m in qemu_fw_cfg $virtio_modules; do [ "$out" -nt "$kdir/$m.ko" ] || fresh=no; done
if [ $fresh = yes ]; then echo "$out"; exit 0; fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"  # mktemp makes it 0700; it becomes the guest's /
mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev"
cp /bin/busybox "$stage/bin/busybox"
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
esac
echo "VMCOREFS-READY $(uname -r)"
case " $(cat /proc/cmdline) " in
*" vmcorefs.panic=1 "*) echo c >/proc/sysrq-trigger ;;
esac
while :; do sleep 3600; done
INIT
chmod 755 "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
