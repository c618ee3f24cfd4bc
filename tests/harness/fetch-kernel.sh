#!/bin/sh
# Puts Debian's current kernel for ARCH (amd64 by default, or arm64), the modules the harness guest
# loads and the matching debug vmlinux into the cache, once per kernel version:
# $VMCOREFS_CACHE/linux-<version>/{vmlinuz,vmlinux,*.ko}. The modules are qemu_fw_cfg (VMCOREINFO)
# and, on amd64, virtio_mem with the virtio modules it needs (not built into Debian's kernel). Only
# vmlinux is taken from the ~850 MB -dbg package. A foreign ARCH needs `dpkg --add-architecture
# ARCH` (install-deps.sh does it for arm64); the packages are only downloaded, never installed.
# Prints the directory on stdout.
set -eu
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}
arch=${1:-amd64}
pkg=$(apt-cache depends "linux-image-$arch:$arch" | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*$/\1/p' | head -n 1)
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-$arch:$arch" >&2; exit 1; }
release=${pkg#linux-image-}
dir=$cache/linux-$release
# Only the amd64 guest has a virtio-mem scenario.
modules=firmware/qemu_fw_cfg
[ "$arch" != amd64 ] || modules="$modules virtio/virtio_ring virtio/virtio virtio/virtio_pci_modern_dev
virtio/virtio_pci_legacy_dev virtio/virtio_pci virtio/virtio_mem"

have_modules() {
	for m in $modules; do [ -f "$1/${m#*/}.ko" ] || return 1; done
}

# Unpacks the modules from the image package in the current directory into $1.
extract_modules() {
	patterns=
	for m in $modules; do patterns="$patterns ./lib/modules/$release/kernel/drivers/$m.ko*"; done
	# shellcheck disable=SC2086 # one pattern per word
	dpkg-deb --fsys-tarfile "$pkg"_*.deb | tar -x --wildcards $patterns
	find lib -name '*.ko*' | while read -r ko; do
		name=$(basename "$ko"); name=${name%.xz}; name=${name%.zst}
		case $ko in
		*.xz) xz -dc "$ko" >"$1/$name" ;;
		*.zst) zstd -qdc "$ko" >"$1/$name" ;;
		*) mv "$ko" "$1/$name" ;;
		esac
	done
}

# Another run on this machine may be fetching the same kernel: wait for it, never remove what it
# is unpacking. The lock goes with this process.
mkdir -p "$cache"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/vmlinux" ]; then
	# A cache from before the virtio modules were needed: add them, leave the rest alone.
	if ! have_modules "$dir"; then
		rm -rf "$dir/dl"; mkdir -p "$dir/dl"
		cd "$dir/dl"
		echo "fetch-kernel: downloading $pkg for its modules" >&2
		apt-get download -q "$pkg:$arch" >&2
		extract_modules "$dir"
		cd .. && rm -rf dl
	fi
	echo "$dir"; exit 0
fi

rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/dl"
cd "$dir.tmp/dl"
echo "fetch-kernel: downloading $pkg and $pkg-dbg" >&2
apt-get download -q "$pkg:$arch" "$pkg-dbg:$arch" >&2
dpkg-deb --fsys-tarfile "$pkg"_*.deb | tar -x "./boot/vmlinuz-$release"
dpkg-deb --fsys-tarfile "$pkg-dbg"_*.deb | tar -x "./usr/lib/debug/boot/vmlinux-$release"
mv "boot/vmlinuz-$release" ../vmlinuz
mv "usr/lib/debug/boot/vmlinux-$release" ../vmlinux
extract_modules ..
echo "$release" >../release
cd .. && rm -rf dl
mv "$dir.tmp" "$dir"
echo "$dir"
