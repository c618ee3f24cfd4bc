#!/bin/bash
# Checks vmcorefs on one real QEMU core against QEMU's own vmcore of the same instant, with the
# tools people use on vmcores. Usage: check.sh CHECK VMCOREFS MANIFEST CORE_KEY
#   CHECK     compare | segments | class | readelf | extract | sparse | profile | shipped
#             | borrowed | crash | drgn | makedumpfile | dmesg
#   CORE_KEY  gcore_core or kernel_core (a key of the harness manifest)
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: check.sh CHECK VMCOREFS MANIFEST CORE_KEY" >&2; exit 2; }
check=$1 vmcorefs=$2 manifest=$3 key=$4
here=$(cd "$(dirname "$0")" && pwd)

test_name="check $check"
. "$here/../prelude.sh"
core=$(value "$key") reference=$(value reference) vmlinux=$(value vmlinux) scenario=$(value scenario)
test_name="check $check ($scenario, $key)"
[ -n "$core" ] || fail "$manifest has no $key"

mnt=$work/mnt
mkdir "$mnt"
mount_guest() { mount_core "$vmcorefs" "$core" "$mnt"; }

# Prints "paddr offset filesz" for each PT_LOAD of an ELF vmcore, in hex.
loads() {
	readelf -lW "$1" | awk '$1 == "LOAD" { print $4, $2, $5 }'
}

# Copies filesz bytes at offset from a file to stdout.
extract_range() {
	local file=$1 offset=$(($2)) size=$(($3))
	tail -c +$((offset + 1)) "$file" | head -c "$size"
}

check_compare() {
	"$vmcorefs" --compare="$reference" "$core" >"$work/out" || { cat "$work/out"; fail "--compare says the vmcores differ"; }
	grep -qx 'vmcores agree' "$work/out" || fail "--compare printed no verdict"
}

# Independent of --compare: each reference PT_LOAD, cut out with readelf + tail/head, equals the
# same physical range of guest.vmcore and the blocks/ file of that range.
check_segments() {
	mount_guest
	loads "$reference" >"$work/ref"
	loads "$mnt/guest.vmcore" >"$work/ours"
	[ -s "$work/ref" ] || fail "no PT_LOAD in $reference"
	while read -r paddr offset size; do
		read -r ours_paddr ours_offset ours_size <&3 || fail "guest.vmcore has fewer PT_LOADs"
		[ "$((paddr))" -eq "$((ours_paddr))" ] && [ "$((size))" -eq "$((ours_size))" ] ||
			fail "PT_LOAD $paddr+$size of the reference is $ours_paddr+$ours_size in guest.vmcore"
		block=$(printf '%016x-%016x' "$((paddr))" "$((paddr + size))")
		[ -f "$mnt/blocks/$block" ] || fail "no blocks/$block"
		cmp <(extract_range "$reference" "$offset" "$size") <(extract_range "$mnt/guest.vmcore" "$ours_offset" "$size") ||
			fail "guest.vmcore differs from the reference in PT_LOAD $paddr"
		cmp <(extract_range "$reference" "$offset" "$size") "$mnt/blocks/$block" ||
			fail "blocks/$block differs from the reference"
	done <"$work/ref" 3<"$work/ours"
}

# The ELF header fields that say what the vmcore is, as readelf prints them.
elf_identity() {
	readelf -h "$1" | grep -E '^ *(Class|Data|Type|Machine):'
}

# guest.vmcore has the ELF class and machine of QEMU's reference (ELFCLASS32 or ELFCLASS64 and
# EM_386 for a guest outside long mode, target/i386/arch_dump.c); --info and info.json say the
# same class.
check_class() {
	local class
	mount_guest
	elf_identity "$reference" >"$work/ref"
	cat "$work/ref"
	diff "$work/ref" <(elf_identity "$mnt/guest.vmcore") || fail "guest.vmcore's ELF header says otherwise"
	class=ELFCLASS$(sed -n 's/^ *Class: *ELF//p' "$work/ref")
	"$vmcorefs" --info "$core" >"$work/info" 2>/dev/null || fail "--info failed"
	grep -qx "vmcore: *$class" "$work/info" || fail "--info does not say $class"
	grep -qF "\"vmcore_class\": \"$class\"" "$mnt/info.json" || fail "info.json does not say $class"
}

# Both readelf implementations accept the file without a word of complaint, with the header
# size of its class (QEMU 7.2 to 10.0 write 8 there).
check_readelf() {
	local ehsize=64
	mount_guest
	readelf -h -l -n -W "$mnt/guest.vmcore" >"$work/out" 2>"$work/err" || fail "readelf failed"
	[ ! -s "$work/err" ] || { cat "$work/err"; fail "readelf warned"; }
	! grep -qE '^ *Class: +ELF32$' "$work/out" || ehsize=52
	grep -qE "Size of this header: +$ehsize " "$work/out" || fail "e_ehsize is not $ehsize"
	eu-readelf -h -l -n "$mnt/guest.vmcore" >"$work/out" 2>"$work/err" || fail "eu-readelf failed"
	[ ! -s "$work/err" ] || { cat "$work/err"; fail "eu-readelf warned"; }
	# The guest's kernel publishes VMCOREINFO; firmware has none.
	[ -z "$vmlinux" ] || grep -q VMCOREINFO "$work/out" || fail "no VMCOREINFO note"
}

# --extract reads the core without FUSE; the mount gives the same bytes whatever the size of the
# kernel's READs: 1 MiB (the default readahead window, the whole file), 128 KiB and 4 KiB (windows
# that small, read as large as they are, over the first 16 MiB: headers, notes and RAM).
check_extract() {
	local kib prefix=$((16 << 20))
	mount_guest
	"$vmcorefs" --extract="$work/extracted" "$core" </dev/null || fail "--extract failed"
	cmp "$work/extracted" "$mnt/guest.vmcore" || fail "--extract output differs from guest.vmcore"
	for kib in 128 4; do
		mkdir "$work/mnt$kib"
		mount_core "$vmcorefs" "$core" "$work/mnt$kib" --readahead=$kib
		cmp <(head -c $prefix "$work/extracted") \
			<(dd if="$work/mnt$kib/guest.vmcore" bs=${kib}K count=$prefix iflag=count_bytes status=none) ||
			fail "guest.vmcore read in $kib KiB READs differs from --extract's output"
	done
	check_cached_once
}

# A whole read of a mount leaves the guest's bytes cached once, in the mount's page cache: the
# pages of the core that it brought in are dropped once served, unless --keep-core-cache. On a
# private copy of the core (other checks read the scenario's core at the same time), evicted
# before each read; fincore counts its pages in the page cache (root sees them all).
check_cached_once() {
	local copy=$work/cached-once.core kept dropped
	cp --sparse=always "$core" "$copy"
	kept=$(core_cached_after_read "$copy" kept --keep-core-cache)
	dropped=$(core_cached_after_read "$copy" dropped)
	# A guest with less than 64 MiB of data leaves less than the prefetch window to compare.
	[ "$kept" -lt $((64 << 20)) ] || [ "$dropped" -lt $((kept / 2)) ] ||
		fail "a whole read left $dropped bytes of the core cached, $kept with --keep-core-cache"
}

# Evicts CORE, mounts it (with OPTIONs), reads all of guest.vmcore, checking it against
# --extract's output, and prints how many bytes of CORE are in the page cache.
core_cached_after_read() {
	local copy=$1 dir=$work/mnt-$2
	shift 2
	dd if="$copy" iflag=nocache count=0 status=none
	mkdir "$dir"
	mount_core "$vmcorefs" "$copy" "$dir" "$@"
	cmp "$work/extracted" "$dir/guest.vmcore" || fail "guest.vmcore read cold differs from --extract's output"
	fincore --bytes --noheadings --output RES "$copy"
	fusermount3 -u "$dir"
}

# QEMU's layout from a profile (--write-profile, --profile) serves the bytes its debug info does,
# and the profile of the binary alone is the core's;
# the profile cache is written after a walk with debug info, used by the next run, and an entry
# that is not vmcorefs's own (a symlink) is passed over and replaced.
check_profile() {
	local cache=$work/profiles details='^  (layout|executable|debug info|debug alt file):'
	"$vmcorefs" --write-profile="$work/profile" "$core" || fail "--write-profile failed"
	"$vmcorefs" --write-profile="$work/binary.profile" --executable="$(value qemu)" ||
		fail "--write-profile from QEMU's binary failed"
	cmp "$work/profile" "$work/binary.profile" || fail "the profiles of the core and of its binary differ"
	mount_guest
	mkdir "$work/mnt-profile"
	mount_core "$vmcorefs" "$core" "$work/mnt-profile" --profile="$work/profile"
	cmp "$mnt/guest.vmcore" "$work/mnt-profile/guest.vmcore" ||
		fail "guest.vmcore walked with the profile differs from the one walked with debug info"
	cmp "$mnt/info" "$work/mnt-profile/info" || fail "info differs with the profile"

	VMCOREFS_PROFILE_CACHE=$cache "$vmcorefs" --info -v "$core" >"$work/dwarf" ||
		fail "--info with an empty profile cache failed"
	grep -q "^  layout: QEMU's debug info$" "$work/dwarf" || fail "the first run did not use debug info"
	local entry
	entry=$(sed -n "s|^  layout: profile cached as ||p" "$work/dwarf")
	[[ $entry == "$cache/"*.profile ]] || fail "the first run cached no profile"
	cmp "$entry" "$work/profile" || fail "the cached profile differs from --write-profile's"
	VMCOREFS_PROFILE_CACHE=$cache "$vmcorefs" --info -v "$core" >"$work/cached" ||
		fail "--info with the profile cached failed"
	grep -qx "  layout: cached profile $entry" "$work/cached" || fail "the second run did not use the cache"
	cmp <(grep -Ev "$details" "$work/dwarf") <(grep -Ev "$details" "$work/cached") ||
		fail "--info -v differs with the cached profile"

	ln -sf "$work/profile" "$entry"
	VMCOREFS_PROFILE_CACHE=$cache "$vmcorefs" --info -v "$core" >"$work/planted" ||
		fail "--info with a planted cache entry failed"
	grep -q "^  layout: cached profile passed over: $entry: not vmcorefs's own (a symlink)" \
		"$work/planted" || fail "the symlink in the cache was not passed over"
	[ -f "$entry" ] && [ ! -L "$entry" ] || fail "the symlink in the cache was not replaced"
}

# Debian's stripped QEMU: its layout comes from the profile shipped for its build-id, beside the
# vmcorefs under test as beside an installed one, and no debug info is looked for.
check_shipped() {
	local id profile
	id=$(build_id "$(value qemu)")
	[ -n "$id" ] || fail "$(value qemu) has no build-id"
	"$vmcorefs" --info -v "$core" >"$work/info" || fail "--info -v failed"
	profile=$(sed -n 's/^  layout: profile shipped with vmcorefs //p' "$work/info")
	[[ $profile == */share/vmcorefs/profiles/$id.profile ]] ||
		{ cat "$work/info"; fail "--info -v names no shipped profile of build-id $id"; }
	! grep -Eq '^  (executable|debug info):' "$work/info" || fail "debug info was looked for"
}

# A build vmcorefs has no layout of its own for (here: its shipped profile moved to an invented
# build-id, as if it were another build's, with every global's offset zeroed) borrows the profile
# of another build of the same QEMU: its globals from the executable's dynamic symbols, used only
# after the walk passed the layout checks, and said so. A profile that does not fit (the other
# target's; one with a field moved) is refused, naming what failed, and nothing is written.
check_borrowed() {
	local id other=00112233445566778899aabbccddeeff00112233 shipped lent
	id=$(build_id "$(value qemu)")
	shipped=$(dirname "$vmcorefs")/../share/vmcorefs/profiles
	mkdir -p "$work/tree/bin" "$work/tree/share/vmcorefs/profiles"
	cp "$vmcorefs" "$work/tree/bin/"
	local borrower=$work/tree/bin/vmcorefs
	lent=$work/tree/share/vmcorefs/profiles/$other.profile
	lend() { # FROM-PROFILE SED-SCRIPT: FROM keyed to the invented build-id, edited
		sed -e "s/^build-id .*/build-id $other/" -e "$2" "$1" >"$lent"
	}
	lend "$shipped/$id.profile" 's/^\(global[^ ]* [^ ]* [^ ]*\) 0x[0-9a-f]*$/\1 0x0/'
	"$borrower" --compare="$reference" "$core" >"$work/out" || { cat "$work/out"; fail "--compare with a borrowed layout failed"; }
	grep -qx 'vmcores agree' "$work/out" || fail "--compare with a borrowed layout printed no verdict"
	"$borrower" --info -v "$core" >"$work/info" || fail "--info -v with a borrowed layout failed"
	grep -qF "  layout: profile $lent of build-id $other, another build of QEMU" "$work/info" ||
		{ cat "$work/info"; fail "--info -v does not say the layout is borrowed"; }
	grep -qF "  QEMU's layout is taken from $lent (build-id $other)" "$work/info" ||
		fail "info warns of no borrowed layout"
	if "$borrower" --write-profile="$work/written" "$core" 2>"$work/err"; then
		fail "--write-profile wrote a borrowed layout as this build's"
	fi
	grep -q "its layout is another build's" "$work/err" || fail "--write-profile: $(cat "$work/err")"

	local own_state other_target misfit
	case $(value target) in
	x86_64) own_state=CPUX86State ;;
	aarch64) own_state=CPUARMState ;;
	*) fail "no other target's profile known for $(value target)" ;;
	esac
	other_target=$(grep -l "^struct $own_state -" "$shipped"/*.profile || true)
	other_target=${other_target%%$'\n'*}
	[ -n "$other_target" ] || fail "no shipped profile of another target than $(value target)"
	# cpu-size: a field added to the CPU state, as a rebuild with another patch might have.
	for misfit in other-target cpu_index cpu-size idstr; do
		case $misfit in
		other-target) lend "$other_target" '' ;;
		cpu_index) lend "$shipped/$id.profile" 's/^\(field CPUState cpu_index\) [0-9]*/\1 4/' ;;
		cpu-size) lend "$shipped/$id.profile" 's/^\(struct [^ ]*ArchCPU [^ ]*CPU\) \([0-9]*\)$/\1 \21/' ;;
		idstr) lend "$shipped/$id.profile" 's/^\(field RAMBlock idstr\) [0-9]*/\1 0/' ;;
		esac
		if "$borrower" --extract="$work/extracted" "$core" 2>"$work/err"; then
			fail "$misfit: a profile that does not fit was used"
		fi
		[ ! -e "$work/extracted" ] || fail "$misfit: --extract wrote a vmcore"
		[ "$(wc -l <"$work/err")" -eq 1 ] || fail "$misfit: not one line: $(cat "$work/err")"
		grep -qF "; the profile $lent (build-id $other): " "$work/err" ||
			fail "$misfit: the error does not name the profile: $(cat "$work/err")"
		echo "$misfit: refused: $(sed 's/.*; the profile [^:]*: //' "$work/err")"
	done
}

# SEEK_HOLE lets cp skip the idle guest's untouched RAM.
check_sparse() {
	mount_guest
	cp --sparse=always "$mnt/guest.vmcore" "$work/copy"
	cmp "$work/copy" "$mnt/guest.vmcore" || fail "the sparse copy differs"
	apparent=$(stat -c %s "$work/copy") allocated=$(($(stat -c %b "$work/copy") * $(stat -c %B "$work/copy")))
	echo "apparent $apparent bytes, allocated $allocated bytes"
	[ "$key" = gcore_core ] && return # gcore writes every page: its core has no holes to keep
	[ "$allocated" -lt $((apparent / 2)) ] || fail "copy is not sparse: $allocated of $apparent bytes allocated"
}

crash_session() {
	printf '%s\n' 'sys' 'bt' 'ps' 'log | tail -n 15' 'quit' |
		timeout 300 crash -s "$vmlinux" "$1" 2>&1 | grep -v -e '^ *DUMPFILE:'
}

# crash tells the same story from guest.vmcore as from QEMU's vmcore.
check_crash() {
	mount_guest
	crash_session "$reference" >"$work/ref"
	crash_session "$mnt/guest.vmcore" >"$work/ours"
	grep -q "RELEASE: $(value release)" "$work/ours" || { cat "$work/ours"; fail "crash shows no RELEASE"; }
	if [ "$scenario" = panic ]; then
		grep -q 'PANIC: "Kernel panic - not syncing: sysrq triggered crash"' "$work/ours" ||
			{ cat "$work/ours"; fail "crash shows no panic string"; }
		grep -q 'sysrq_handle_crash' "$work/ours" || { cat "$work/ours"; fail "bt has no sysrq_handle_crash"; }
	fi
	diff "$work/ref" "$work/ours" || fail "crash output differs between the reference and guest.vmcore"
}

# drgn reads guest.vmcore (kernel text PT_LOAD) where it cannot read QEMU's own dump.
check_drgn() {
	mount_guest
	/usr/bin/python3 "$here/drgn_check.py" "$mnt/guest.vmcore" "$vmlinux" "$scenario" >"$work/ours" 2>&1 ||
		{ cat "$work/ours"; fail "drgn failed on guest.vmcore"; }
	cat "$work/ours"
	grep -qx "release $(value release)" "$work/ours" || fail "drgn printed the wrong release"
	if /usr/bin/python3 "$here/drgn_check.py" "$reference" "$vmlinux" "$scenario" >"$work/ref" 2>&1; then
		echo "note: drgn also reads QEMU's reference dump"
	else
		echo "drgn on QEMU's reference dump: $(tail -n 1 "$work/ref")"
	fi
}

check_makedumpfile() {
	mount_guest
	makedumpfile -c -d 31 -x "$vmlinux" "$mnt/guest.vmcore" "$work/dumpfile" >"$work/out" 2>&1 ||
		{ cat "$work/out"; fail "makedumpfile failed"; }
	tail -n 3 "$work/out"
	[ -s "$work/dumpfile" ] || fail "makedumpfile wrote nothing"
}

# The guest's kernel log, which vmcorefs reads with VMCOREINFO alone, is what makedumpfile
# --dump-dmesg and crash's log print with the vmlinux (x86_64; on arm64, which Debian's
# makedumpfile and crash do not read, drgn's records), and the panic line of --info is crash's
# PANIC (arm64: the panic the harness waited for). Every line, the log whole.
check_dmesg() {
	local ours crash_panic
	mount_guest
	! grep '^vmcorefs: ' "$mnt/dmesg" || fail "dmesg says the log is incomplete"
	[ "$(wc -l <"$mnt/dmesg")" -gt 100 ] || fail "dmesg has fewer than 100 lines"
	# The guest that flooded its log (tests/harness) must show a log that wrapped.
	! { grep -q 'flooding the log' "$mnt/dmesg" && head -n 1 "$mnt/dmesg" | grep -q 'Linux version'; } ||
		fail "the flooded log did not wrap"
	"$vmcorefs" --info "$core" >"$work/info" 2>/dev/null || fail "--info failed"
	ours=$(sed -n 's/^panic: *//p' "$work/info")
	echo "dmesg: $(wc -l <"$mnt/dmesg") lines; --info's panic: $ours"
	if [ "$(value target)" = aarch64 ]; then
		/usr/bin/python3 "$here/drgn_dmesg.py" "$mnt/guest.vmcore" "$vmlinux" >"$work/drgn" 2>&1 ||
			{ tail "$work/drgn"; fail "drgn could not read the log"; }
		diff "$work/drgn" "$mnt/dmesg" || fail "dmesg differs from drgn's printk records"
		crash_panic="Kernel panic - not syncing: sysrq triggered crash"
		[ "$scenario" = panic ] || crash_panic=
	else
		makedumpfile --dump-dmesg "$mnt/guest.vmcore" "$work/makedumpfile" >"$work/out" 2>&1 ||
			{ cat "$work/out"; fail "makedumpfile --dump-dmesg failed"; }
		diff "$work/makedumpfile" "$mnt/dmesg" || fail "dmesg differs from makedumpfile --dump-dmesg"
		printf '%s\n' "log > $work/crash-log" 'sys' 'quit' |
			timeout 300 crash -s "$vmlinux" "$mnt/guest.vmcore" >"$work/crash" 2>&1 || true
		diff "$work/crash-log" "$mnt/dmesg" || fail "dmesg differs from crash's log"
		crash_panic=$(sed -n 's/^ *PANIC: "\(.*\)"\( (check log for details)\)\{0,1\}$/\1/p' "$work/crash")
		grep -q '^ *PANIC: ' "$work/crash" || { cat "$work/crash"; fail "crash's sys printed no PANIC line"; }
	fi
	if [ -n "$crash_panic" ]; then
		[ "$ours" = "$crash_panic" ] || fail "--info's panic line is not \"$crash_panic\""
	else
		[[ "$ours" = "none in the log ("*" records)" ]] || fail "--info finds a panic where there is none"
	fi
	# --info --json: one JSON object, whose kernel.panic is the same line (null: none).
	"$vmcorefs" --info --json "$core" >"$work/info.json" 2>/dev/null || fail "--info --json failed"
	/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["kernel"]["panic"] or "")' \
		"$work/info.json" >"$work/json-panic" || fail "--info --json is not JSON"
	[ "$(cat "$work/json-panic")" = "$crash_panic" ] || fail "--info --json's kernel.panic is not \"$crash_panic\""
	cmp "$work/info.json" "$mnt/info.json" || fail "--info --json differs from the mount's info.json"
}

case $check in
compare | segments | class | readelf | extract | sparse | profile | shipped | borrowed | crash | drgn | makedumpfile | dmesg)
	"check_$check" ;;
*) echo "check: unknown check $check" >&2; exit 2 ;;
esac
echo "check $check ($scenario, $key): ok"
