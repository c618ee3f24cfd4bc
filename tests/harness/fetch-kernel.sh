#!/bin/sh
# Puts Debian's current kernel for ARCH (amd64 by default, or arm64), its qemu_fw_cfg module and the
# matching debug vmlinux into the cache, once per kernel version:
# $VMCOREFS_CACHE/linux-<version>/{vmlinuz,vmlinux,qemu_fw_cfg.ko}. Only vmlinux is taken from the
# ~850 MB -dbg package. A foreign ARCH needs `dpkg --add-architecture ARCH` (install-deps.sh does
# it for arm64); the packages are only downloaded, never installed. Prints the directory on stdout.
set -eu
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}
arch=${1:-amd64}
pkg=$(apt-cache depends "linux-image-$arch:$arch" | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*$/\1/p' | head -n 1)
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-$arch:$arch" >&2; exit 1; }
release=${pkg#linux-image-}
dir=$cache/linux-$release
if [ -f "$dir/vmlinux" ]; then echo "$dir"; exit 0; fi

rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/dl"
cd "$dir.tmp/dl"
echo "fetch-kernel: downloading $pkg and $pkg-dbg" >&2
apt-get download -q "$pkg:$arch" "$pkg-dbg:$arch" >&2
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
