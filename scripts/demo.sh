#!/bin/sh
# The whole story on a real example, on a fresh Debian 12 machine (as root): install what is
# needed, build vmcorefs and QEMU (with debug info, from Debian's source), boot a Debian guest
# that panics, take QEMU's process core, mount it with vmcorefs and open the guest in crash.
# Usage: scripts/demo.sh   (QEMU and the kernel are cached in ~/.cache/vmcorefs for reruns)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
sh "$top/scripts/install-deps.sh" >/dev/null
cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target vmcorefs >/dev/null

cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}
example=$cache/demo
echo "== crashing a real QEMU guest (kernel panic, then SIGABRT to QEMU) into $example"
"$top/tests/harness/make-scenario.sh" panic "$example"
core=$(sed -n 's/^kernel_core=//p' "$example/manifest")
[ -n "$core" ] || core=$(sed -n 's/^gcore_core=//p' "$example/manifest")
vmlinux=$(sed -n 's/^vmlinux=//p' "$example/manifest")

mnt=$(mktemp -d)
trap 'fusermount3 -u "$mnt" 2>/dev/null; rmdir "$mnt"' EXIT
echo "== vmcorefs $core $mnt"
"$build/fs/vmcorefs" "$core" "$mnt"
ls -l "$mnt" "$mnt/blocks"
echo "== crash $vmlinux $mnt/guest.vmcore"
printf 'sys\nbt\nquit\n' | crash -s "$vmlinux" "$mnt/guest.vmcore"
