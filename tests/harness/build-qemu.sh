#!/bin/sh
# Builds qemu-system-TARGET with full debug info from a Debian source package, once per package
# version and target, into the cache: $VMCOREFS_CACHE/qemu-<version>/bin/qemu-system-x86_64, or
# $VMCOREFS_CACHE/qemu-<version>-<target>/bin/qemu-system-<target> for other targets (a directory
# of its own, so adding a target never invalidates or rebuilds the x86_64 one).
# Debian's binary is stripped and its DWARF is not in the main archive, so the tests need their own.
# usage: build-qemu.sh [SUITE [TARGET]]   SUITE: bookworm (default: Debian 12's QEMU 7.2) or
# bookworm-backports (QEMU 10.0). The newest version in SUITE or its -updates/-security is built.
# TARGET: x86_64 (default) or aarch64.
# Prints the path of the binary on stdout.
set -eu
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}
suite=${1:-bookworm}
target=${2:-x86_64}
case $target in
# Only what the harness boots: a pc/q35 guest under TCG or KVM.
x86_64) suffix='' features='--enable-tcg --enable-kvm' ;;
# A virt guest under TCG (the host is x86_64); virt describes itself to the guest in a device tree.
# The minimal device config has the virt board (and sbsa-ref) but none of the ~40 32-bit Arm
# boards, which would double the build time.
aarch64)
	suffix=-aarch64
	features='--enable-tcg --enable-fdt=system --with-devices-aarch64=minimal'
	;;
*) echo "build-qemu: unknown target $target (x86_64 or aarch64)" >&2; exit 2 ;;
esac
version=$(apt-cache madison qemu | awk -F' [|] ' -v re=" $suite(-updates|-security)?/[^ ]* Sources\$" \
	'$3 ~ re { gsub(/ /, "", $2); print $2 }' | sort -V | tail -n 1)
[ -n "$version" ] || { echo "build-qemu: no qemu source package in $suite (is there a deb-src line?)" >&2; exit 1; }
dir=$cache/qemu-$(echo "$version" | tr ':~' '__')$suffix
bin=$dir/bin/qemu-system-$target
# Another run on this machine (a second build tree, a benchmark) may be building the same version:
# wait for it, never remove the tree it is compiling in. The lock goes with this process.
mkdir -p "$cache"
exec 9>"$dir.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/src"
cd "$dir.tmp/src"
echo "build-qemu: fetching qemu $version source" >&2
if [ "$suite" = bookworm ]; then
	apt-get source -q --only-source "qemu=$version" >&2
else
	# The archive mirror reached here serves a backport's orig tarball but not its .dsc or
	# debian.tar (404), so newer QEMUs are built from the plain upstream source, unpatched.
	apt-get source -q --tar-only --only-source "qemu=$version" >&2
	tar -xf qemu_*.orig.tar.*
	# The +ds tarball has no firmware blobs, yet meson.build unpacks the edk2 ones whenever
	# bzip2 is installed. Nothing here needs them (the binary is copied, never installed).
	sed -i 's/^\( *unpack_edk2_blobs = \)bzip2\.found()/\1false/' qemu-*/meson.build
	# Debian's python3, not whatever python3 PATH finds first: QEMU 8.1+ makes a venv from it
	# and needs the meson and pycotap install-deps.sh installed for it (7.2 rejects --python).
	extra="--disable-install-blobs --python=/usr/bin/python3"
fi
src=$(find . -maxdepth 1 -type d -name 'qemu-*' -print -quit)
mkdir "$src/build" && cd "$src/build"
# --enable-debug-info keeps the DWARF vmcorefs reads; -O2 matches Debian's optimisation level so
# struct layouts are the same.
# shellcheck disable=SC2086 # $features and $extra are lists of options
../configure --prefix="$dir" --target-list="$target-softmmu" --without-default-features \
	$features --enable-debug-info --disable-strip --disable-werror \
	--disable-docs --extra-cflags=-O2 ${extra:-} >&2
ninja -j"$(nproc)" "qemu-system-$target" >&2
mkdir -p "$dir.tmp/bin"
cp "qemu-system-$target" "$dir.tmp/bin/"
cd "$dir.tmp" && rm -rf src
mv "$dir.tmp" "$dir"
echo "$bin"
