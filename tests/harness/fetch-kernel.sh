#!/bin/sh
# Puts Debian's current amd64 kernel, its qemu_fw_cfg module and the matching debug vmlinux into
# the cache, once per kernel version: $VMCOREFS_CACHE/linux-<version>/{vmlinuz,vmlinux,qemu_fw_cfg.ko}.
# Only vmlinux is taken from the ~850 MB -dbg package. Prints the directory on stdout.
set -eu
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}
pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64" >&2; exit 1; }
release=${pkg#linux-image-}
dir=$cache/linux-$release
if [ -f "$dir/vmlinux" ]; then echo "$dir"; exit 0; fi

rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/dl"
cd "$dir.tmp/dl"
echo "fetch-kernel: downloading $pkg and $pkg-dbg" >&2
apt-get download -q "$pkg" "$pkg-dbg" >&2
dpkg-deb --fsys-tarfile "$pkg"_*.deb | tar -x --wildcards "./boot/vmlinuz-$release" "./lib/modules/$release/kernel/drivers/firmware/qemu_fw_cfg.ko*"
dpkg-deb --fsys-tarfile "$pkg-dbg"_*.deb | tar -x "./usr/lib/debug/boot/vmlinux-$release"
mv "boot/vmlinuz-$release" ../vmlinuz
mv "usr/lib/debug/boot/vmlinux-$release" ../vmlinux
ko=$(find lib -name 'qemu_fw_cfg.ko*')
case $ko in
*.xz) xz -dc "$ko" >../qemu_fw_cfg.ko ;;
*.zst) zstd -qdc "$ko" >../qemu_fw_cfg.ko ;;
*) mv "$ko" ../qemu_fw_cfg.ko ;;
esac
echo "$release" >../release
cd .. && rm -rf dl
mv "$dir.tmp" "$dir"
echo "$dir"
