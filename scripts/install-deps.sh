#!/bin/sh
# Installs everything vmcorefs needs to build, and everything its real-QEMU and peer tests run,
# from Debian 12's archive. Run as root on a fresh machine; safe to run again.
set -eu

# apt-get source needs deb-src entries for QEMU's source package.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
	cat >/etc/apt/sources.list.d/vmcorefs-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

# QEMU 10.0, the harness's second QEMU, is Debian's backport (its source package), and building it
# needs meson >= 1.5 and python3-pycotap, which only bookworm-backports has. Backports are pinned at
# priority 100, so nothing else is taken from there unless asked for with -t.
cat >/etc/apt/sources.list.d/vmcorefs-backports.sources <<'SRC'
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

# The arm64 harness guest downloads Debian's arm64 kernel and busybox-static (apt-get download
# PKG:arm64, never installed), which needs arm64 package lists.
dpkg --add-architecture arm64

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	build-essential cmake pkg-config ninja-build \
	libfuse3-dev fuse3 libelf-dev libdw-dev libxxhash-dev libgtest-dev libzstd-dev liblz4-dev liblzma-dev \
	meson python3 python3-venv flex bison libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev dpkg-dev \
	gdb crash python3-drgn makedumpfile elfutils binutils dwz debuginfod libdebuginfod1 curl \
	busybox-static cpio kmod xz-utils zstd lz4 ca-certificates \
	qemu-system-data seabios qemu-system-x86 qemu-system-arm \
	clang-14 libclang-rt-14-dev util-linux clang-format shellcheck
apt-get install -y -q --no-install-recommends -t bookworm-backports meson python3-pycotap
