#!/bin/bash
# Splits the debug info off the debug-info QEMU the way distributions ship it, once per QEMU
# build-id, into QEMUDIR/debuginfo/<build-id>/ (QEMUDIR is the binary's cache directory, e.g.
# ~/.cache/vmcorefs/qemu-<version>), and prints that directory. Its file `variants` lists every
# path as key=value lines; the tests read it.
#
#   exe/qemu-system-x86_64        stripped like Debian's dh_strip (no .symtab, no DWARF), same
#                                 build-id, .gnu_debuglink -> qemu-system-x86_64.debug; alone
#   qemu-system-x86_64.debug      objcopy --only-keep-debug of the original
#   debuglink/                    the stripped binary with its .debug beside it (.gnu_debuglink)
#   debuglink-subdir/             ... with its .debug in the .debug subdirectory beside it
#   pathtree/<abs dir of exe/>    a debug directory holding the .debug under the binary's own
#                                 directory (as /usr/lib/debug/usr/bin/X.debug of old -dbg packages)
#   tree/.build-id/xx/rest.debug  a debug directory (like /usr/lib/debug) with a build-id tree
#   served/                       only the .debug, for a local debuginfod
#   dwz/...                       Debian's dbgsym layout: dwz -m (multifile), then
#                                 --only-keep-debug --compress-debug-sections; see below
#   other/hello{,.debug}          a tiny C program and its debug info (another build-id)
#
# Usage: make-variants.sh QEMU-BINARY
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: make-variants.sh QEMU-BINARY" >&2; exit 2; }
qemu=$1
[ -f "$qemu" ] || { echo "make-variants: no such file: $qemu" >&2; exit 1; }
for tool in objcopy strip readelf dwz gcc flock; do
	command -v $tool >/dev/null || { echo "make-variants: $tool is not installed (scripts/install-deps.sh)" >&2; exit 1; }
done

build_id() { readelf -n "$1" 2>/dev/null | sed -n 's/^[[:space:]]*Build ID: //p' | head -n 1; }
# DIR/.build-id/xx/rest.debug for build-id ID
id_path() { echo "$1/.build-id/${2:0:2}/${2:2}.debug"; }

id=$(build_id "$qemu")
[ -n "$id" ] || { echo "make-variants: $qemu has no build-id" >&2; exit 1; }
root=$(cd "$(dirname "$qemu")/.." && pwd)/debuginfo
out=$root/$id
mkdir -p "$root"
# One builder at a time; the others wait and then find the finished directory.
exec 9>"$root/.lock"
flock -w 900 9 || { echo "make-variants: timed out waiting for $root/.lock" >&2; exit 1; }
# Bumped whenever the layout changes, so that an older cached directory is rebuilt.
layout=2
if grep -qx "layout=$layout" "$out/variants" 2>/dev/null; then echo "$out"; exit 0; fi

say() { echo "make-variants: $*" >&2; }
tmp=$out.tmp
rm -rf "$tmp" "$out"
mkdir -p "$tmp"/{exe,debuglink,debuglink-subdir/.debug,"pathtree$out/exe",served,other,dwz/exe}
start=$(date +%s)

# split FULL EXE DEBUG [objcopy-options]: DEBUG = only the debug info of FULL, EXE = FULL stripped
# as Debian's dh_strip strips executables (everything but the dynamic symbols, .comment, .note),
# with a .gnu_debuglink naming DEBUG's base name and CRC.
split() {
	local full=$1 exe=$2 debug=$3
	shift 3
	objcopy --only-keep-debug "$@" "$full" "$debug"
	strip --remove-section=.comment --remove-section=.note -o "$exe" "$full"
	objcopy --add-gnu-debuglink="$debug" "$exe"
}

# The stripped binary (alone in exe/), its .debug, and the places a user may keep that .debug.
split "$qemu" "$tmp/exe/qemu-system-x86_64" "$tmp/qemu-system-x86_64.debug"
[ "$(build_id "$tmp/exe/qemu-system-x86_64")" = "$id" ] || { say "strip changed the build-id"; exit 1; }
if readelf -S -W "$tmp/exe/qemu-system-x86_64" | grep -Eq ' \.(debug_info|symtab) '; then
	say "the stripped binary still has .debug_info or .symtab"
	exit 1
fi
ln "$tmp/exe/qemu-system-x86_64" "$tmp/debuglink/qemu-system-x86_64"
ln "$tmp/qemu-system-x86_64.debug" "$tmp/debuglink/qemu-system-x86_64.debug"
ln "$tmp/exe/qemu-system-x86_64" "$tmp/debuglink-subdir/qemu-system-x86_64"
ln "$tmp/qemu-system-x86_64.debug" "$tmp/debuglink-subdir/.debug/qemu-system-x86_64.debug"
ln "$tmp/qemu-system-x86_64.debug" "$tmp/pathtree$out/exe/qemu-system-x86_64.debug"
mkdir -p "$(dirname "$(id_path "$tmp/tree" "$id")")"
ln "$tmp/qemu-system-x86_64.debug" "$(id_path "$tmp/tree" "$id")"
ln "$tmp/qemu-system-x86_64.debug" "$tmp/served/qemu-system-x86_64.debug"
say "split and stripped in $(($(date +%s) - start)) s"

# dwz, as Debian's dh_dwz + dh_strip do it for a package with several ELF files: dwz -m puts
# the DIEs the files share into a multifile and gives each file a .gnu_debugaltlink naming it by
# absolute path and build-id; dh_strip then splits with compressed debug sections. -m needs at
# least two files, so the second is a copy of the first (then nearly all DIEs are "shared").
alt_name=/usr/lib/debug/.dwz/x86_64-linux-gnu/qemu-system-x86.debug
start=$(date +%s)
cp "$qemu" "$tmp/dwz/full"
cp "$qemu" "$tmp/dwz/twin"
dwz -m "$tmp/dwz/alt.debug" -M "$alt_name" "$tmp/dwz/full" "$tmp/dwz/twin"
rm "$tmp/dwz/twin"
readelf -S -W "$tmp/dwz/full" | grep -q ' \.gnu_debugaltlink ' || { say "dwz wrote no .gnu_debugaltlink"; exit 1; }
alt_id=$(build_id "$tmp/dwz/alt.debug")
[ -n "$alt_id" ] || { say "the dwz multifile has no build-id"; exit 1; }
split "$tmp/dwz/full" "$tmp/dwz/exe/qemu-system-x86_64" "$tmp/dwz/qemu-system-x86_64.debug" \
	--compress-debug-sections
rm "$tmp/dwz/full"
[ "$(build_id "$tmp/dwz/qemu-system-x86_64.debug")" = "$id" ] || { say "dwz changed the build-id"; exit 1; }
# Where a user may have the pair. Each tree holds the .debug under the build-id of QEMU and the
# multifile where the layout says:
#   debian/usr/lib/debug   a dbgsym .deb unpacked with dpkg -x: .dwz/<multiarch>/<name>, the path
#                          the altlink names, below another root
#   dwzdir                 DIR/.dwz/<base name of the altlink> (libdwfl's own rule)
#   altid                  DIR/.build-id/xx/rest.debug under the multifile's build-id
#   noalt                  no multifile at all (must fail, naming it)
#   served                 both files, for a local debuginfod
for tree in debian/usr/lib/debug dwzdir altid noalt; do
	mkdir -p "$(dirname "$(id_path "$tmp/dwz/$tree" "$id")")"
	ln "$tmp/dwz/qemu-system-x86_64.debug" "$(id_path "$tmp/dwz/$tree" "$id")"
done
mkdir -p "$tmp/dwz/debian/usr/lib/debug/.dwz/x86_64-linux-gnu" "$tmp/dwz/dwzdir/.dwz" \
	"$(dirname "$(id_path "$tmp/dwz/altid" "$alt_id")")" "$tmp/dwz/served"
ln "$tmp/dwz/alt.debug" "$tmp/dwz/debian$alt_name"
ln "$tmp/dwz/alt.debug" "$tmp/dwz/dwzdir/.dwz/$(basename "$alt_name")"
ln "$tmp/dwz/alt.debug" "$(id_path "$tmp/dwz/altid" "$alt_id")"
ln "$tmp/dwz/qemu-system-x86_64.debug" "$tmp/dwz/served/qemu-system-x86_64.debug"
ln "$tmp/dwz/alt.debug" "$tmp/dwz/served/qemu-system-x86.debug"
say "dwz variant in $(($(date +%s) - start)) s"

# Debug info of another program, for the mismatch test.
printf 'int main(void) { return 0; }\n' >"$tmp/other/hello.c"
gcc -g -O0 -Wl,--build-id -o "$tmp/other/hello" "$tmp/other/hello.c"
objcopy --only-keep-debug "$tmp/other/hello" "$tmp/other/hello.debug"

v() { echo "$1=${2//"$tmp"/"$out"}"; }
{
	v layout "$layout"
	v build_id "$id"
	v alt_build_id "$alt_id"
	v alt_name "$alt_name"
	v original "$qemu"
	v stripped "$tmp/exe/qemu-system-x86_64"
	v debug "$tmp/qemu-system-x86_64.debug"
	v debuglink_exe "$tmp/debuglink/qemu-system-x86_64"
	v debuglink_debug "$tmp/debuglink/qemu-system-x86_64.debug"
	v debuglink_subdir_exe "$tmp/debuglink-subdir/qemu-system-x86_64"
	v debuglink_subdir_debug "$tmp/debuglink-subdir/.debug/qemu-system-x86_64.debug"
	v pathtree "$tmp/pathtree"
	v pathtree_debug "$tmp/pathtree$out/exe/qemu-system-x86_64.debug"
	v tree "$tmp/tree"
	v tree_debug "$(id_path "$tmp/tree" "$id")"
	v served "$tmp/served"
	v dwz_stripped "$tmp/dwz/exe/qemu-system-x86_64"
	v dwz_debug "$tmp/dwz/qemu-system-x86_64.debug"
	v dwz_alt "$tmp/dwz/alt.debug"
	for tree in debian/usr/lib/debug dwzdir altid noalt; do
		key=${tree%%/*}
		v "dwz_${key}_tree" "$tmp/dwz/$tree"
		v "dwz_${key}_debug" "$(id_path "$tmp/dwz/$tree" "$id")"
	done
	v dwz_debian_alt "$tmp/dwz/debian$alt_name"
	v dwz_dwzdir_alt "$tmp/dwz/dwzdir/.dwz/$(basename "$alt_name")"
	v dwz_altid_alt "$(id_path "$tmp/dwz/altid" "$alt_id")"
	v dwz_served "$tmp/dwz/served"
	v other_build_id "$(build_id "$tmp/other/hello")"
	v other_debug "$tmp/other/hello.debug"
} >"$tmp/variants.tmp"
mv "$tmp/variants.tmp" "$tmp/variants"
mv "$tmp" "$out"
echo "$out"
