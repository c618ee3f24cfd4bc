#!/bin/sh
# Builds qemu-system-x86_64 with full debug info from Debian 12's own source package, once per
# package version, into the cache: $VMCOREFS_CACHE/qemu-<version>/bin/qemu-system-x86_64.
# Debian's binary is stripped and its DWARF is not in the main archive, so the tests need their own.
# Prints the path of the binary on stdout.
set -eu
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}
version=$(apt-cache showsrc qemu | sed -n 's/^Version: //p' | sort -V | tail -n 1)
[ -n "$version" ] || { echo "build-qemu: no qemu source package (is there a deb-src line?)" >&2; exit 1; }
dir=$cache/qemu-$(echo "$version" | tr ':~' '__')
bin=$dir/bin/qemu-system-x86_64
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/src"
cd "$dir.tmp/src"
echo "build-qemu: fetching qemu $version source" >&2
apt-get source -q --only-source "qemu=$version" >&2
src=$(find . -maxdepth 1 -type d -name 'qemu-*' | head -n 1)
mkdir "$src/build" && cd "$src/build"
# Only what the harness boots: a pc/q35 guest under TCG or KVM. --enable-debug-info keeps the
# DWARF vmcorefs reads; -O2 matches Debian's optimisation level so struct layouts are the same.
../configure --prefix="$dir" --target-list=x86_64-softmmu --without-default-features \
	--enable-tcg --enable-kvm --enable-debug-info --disable-strip --disable-werror \
	--disable-docs --extra-cflags=-O2 >&2
ninja -j"$(nproc)" qemu-system-x86_64 >&2
mkdir -p "$dir.tmp/bin"
cp qemu-system-x86_64 "$dir.tmp/bin/"
cd "$dir.tmp" && rm -rf src
mv "$dir.tmp" "$dir"
echo "$bin"
