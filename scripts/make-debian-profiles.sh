#!/bin/bash
# Makes the layout profiles vmcorefs ships (profiles/*.profile) for Debian's stripped QEMU system
# emulators: qemu-system-x86_64 (package qemu-system-x86) and qemu-system-aarch64
# (qemu-system-arm), at the newest version in SUITE.
#
# A struct's layout is a function of QEMU's source and its build configuration, not of debug info:
# the package's own source is built here as debian/rules configures it (only these two emulators),
# and vmcorefs writes the profile of that build from its DWARF. The profile is then keyed to the
# package's binary, whose build-id differs and whose data lies elsewhere: each global's offset is
# taken from the binary's dynamic symbols (QEMU exports its globals), and a static the binary does
# not export (vmcoreinfo_state) is placed only where the exported data symbols just below and above
# it in this build lie the same distance apart in the package's binary, so that what lies between
# them, the static included, has moved as one. Anything else is an error and no profile is
# written. Each profile says in its comments which package, version and binary it describes.
#
# usage: make-debian-profiles.sh VMCOREFS [SUITE]
#   VMCOREFS  the vmcorefs binary that writes the profiles (of this checkout)
#   SUITE     bookworm (default), or bookworm-backports when its source package can be fetched
# Run as root (apt-get build-dep). The build (~30 min on 2 cores) is kept in
# $VMCOREFS_CACHE/debian-profiles/, keyed by source version; profiles/ is rewritten.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: make-debian-profiles.sh VMCOREFS [SUITE]" >&2; exit 2; fi
vmcorefs=$(realpath "$1") suite=${2:-bookworm}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/../profiles
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}
say() { echo "make-debian-profiles: $*" >&2; }
fail() { say "$*"; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root: the package's build dependencies are installed with apt-get build-dep"

# package:binary:target of each emulator profiled.
emulators=(qemu-system-x86:qemu-system-x86_64:x86_64 qemu-system-arm:qemu-system-aarch64:aarch64)

# The newest version of binary package $1 in SUITE or its -updates/-security.
newest() {
	apt-cache madison "$1" | awk -F' [|] ' -v re=" $suite(-updates|-security)?/[^ ]* [^ ]+ Packages\$" \
		'$3 ~ re { gsub(/ /, "", $2); print $2 }' | sort -V | tail -n 1
}
# The source version binary package $1 at version $2 was built from (a binNMU's is its upload's).
source_version() {
	apt-cache show "$1=$2" | awk '/^Source: / && NF >= 3 { v = $3; gsub(/[()]/, "", v) }
		/^Version: / { own = $2 } END { print v ? v : own }'
}
build_id() { readelf -n "$1" | sed -n 's/^[[:space:]]*Build ID: //p' | head -n 1; }
# The profile $1 of the build $2, keyed to the package's binary $3 of build-id $4 and version $5:
# prints it, with the comment lines $6 after the first line.
rekey() {
	python3 - "$@" <<'PY'
import subprocess, sys
profile, ours, stock, build_id, version, comment = sys.argv[1:]

def exported_data(binary):  # name -> address of each data object in .dynsym (nm -D: B/b, D/d)
    out = subprocess.run(["nm", "-D", "--defined-only", binary], check=True,
                         capture_output=True, text=True).stdout
    return {w[2]: int(w[0], 16) for w in map(str.split, out.splitlines())
            if len(w) == 3 and w[1] in "BbDd"}

ours_data, stock_data = exported_data(ours), exported_data(stock)
by_address = sorted((a, n) for n, a in ours_data.items() if n in stock_data)

def placed(name, offset):  # a static: moved as the exported symbols around it did
    below = max((p for p in by_address if p[0] <= offset), default=None)
    above = min((p for p in by_address if p[0] > offset), default=None)
    if below and above:
        shift = stock_data[below[1]] - below[0]
        if stock_data[above[1]] - above[0] == shift:
            return offset + shift
    sys.exit(f"{name}: the exported symbols around it ({below}, {above}) moved apart in {stock}")

lines = open(profile).read().splitlines()
print(lines[0])
print(comment)
for line in lines[1:]:
    w = line.split()
    if w[0] == "build-id":
        line = f"build-id {build_id}"
    elif w[0] == "qemu-version":
        line = f"qemu-version {version}"
    elif w[0] in ("global", "global-prefix") and len(w) == 4:
        if w[2] in ours_data:
            if w[2] not in stock_data:
                sys.exit(f"{stock} does not export {w[2]}")
            offset = stock_data[w[2]]
        else:
            offset = placed(w[2], int(w[3], 16))
        line = f"{w[0]} {w[1]} {w[2]} {offset:#x}"
    print(line)
PY
}

binary_version='' source=''
for e in "${emulators[@]}"; do
	package=${e%%:*}
	v=$(newest "$package")
	[ -n "$v" ] || fail "no $package in $suite (apt-get update?)"
	s=$(source_version "$package" "$v")
	[ -n "$binary_version" ] || binary_version=$v source=$s
	if [ "$v" != "$binary_version" ] || [ "$s" != "$source" ]; then
		fail "$package $v (source $s) is not of the same upload as ${emulators[0]%%:*} $binary_version"
	fi
done
say "packages $binary_version, source qemu $source"

work=$cache/debian-profiles/qemu-$(echo "$source" | tr ':~' '__')
mkdir -p "$work"
cd "$work"
if [ ! -f build.done ]; then
	rm -rf src && mkdir src && cd src
	apt-get source -q --only-source "qemu=$source" >&2 || fail "cannot fetch the source of qemu $source"
	DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q --arch-only "qemu=$source" >&2
	cd qemu-*/
	# debian/rules' own configure line (its options, and debian/control's per architecture), for
	# the two emulators only.
	make -f debian/rules b/qemu/configured \
		QEMU_CONFIGURE_OPTIONS="--target-list=$(printf '%s-softmmu,' "${emulators[@]##*:}" | sed 's/,$//')" >&2
	cd b/qemu
	# Generated headers first: building single targets does not order them before their users.
	ninja -t targets all | sed -n 's/^\([^:]*\.h\): CUSTOM_COMMAND.*$/\1/p' | xargs -r ninja -j"$(nproc)" >&2
	targets=("${emulators[@]##*:}")
	ninja -j"$(nproc)" "${targets[@]/#/qemu-system-}" >&2
	cd "$work"
	touch build.done
fi
built=$(echo "$work"/src/qemu-*/b/qemu)

rm -rf debs && mkdir debs && cd debs
for e in "${emulators[@]}"; do
	# as root, apt would warn that its sandbox user cannot write here
	apt-get download -q -o APT::Sandbox::User=root "${e%%:*}=$binary_version" >&2
done
for deb in *.deb; do dpkg -x "$deb" root; done
cd "$work"

mkdir -p "$out"
for e in "${emulators[@]}"; do
	IFS=: read -r package binary _ <<<"$e"
	stock=$work/debs/root/usr/bin/$binary ours=$built/$binary
	id=$(build_id "$stock")
	[ -n "$id" ] || fail "$package's $binary has no build-id"
	"$vmcorefs" --write-profile="$work/$binary.profile" --executable="$ours" ||
		fail "vmcorefs could not write the profile of $ours"
	version=$(sed -n 's/^qemu-version //p' "$work/$binary.profile")
	version="${version% (*} (Debian $binary_version)"
	grep -qaF "QEMU emulator version $version" "$stock" || fail "$stock is not QEMU $version"
	rekey "$work/$binary.profile" "$ours" "$stock" "$id" "$version" \
		"# Debian $suite, package $package $binary_version: /usr/bin/$binary
# Written by scripts/make-debian-profiles.sh from qemu $source
# built as its debian/rules configures it, with the offsets of the package's own globals." \
		>"$out/$id.profile.tmp" ||
		fail "$binary: cannot key the profile to the package's binary"
	mv "$out/$id.profile.tmp" "$out/$id.profile"
	say "$package $binary_version $binary: build-id $id: profiles/$id.profile"
done
