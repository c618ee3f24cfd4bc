#!/bin/bash
# One row of cases.txt: makes the bad input, runs `vmcorefs CORE MOUNTPOINT` on it and checks what
# every failure to understand the input must give (docs/ARCHITECTURE.md, sections 4 and 5): the exit
# status, nothing on stdout, one line on stderr naming the file at fault and containing the row's
# words, and no mount left behind. Inputs are real where reality can make them: copies of the
# harness's QEMU cores (cut short, or with one header field or one QEMU structure overwritten), a
# core of `sleep`, the cores of a QEMU run with dump-guest-core=off, a /dev without fuse.
# Usage: check.sh CASE VMCOREFS SCENARIO_DIR      Exit 77 (skip) only for root-only cases when not
# root.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: check.sh CASE VMCOREFS SCENARIO_DIR" >&2; exit 2; }
case=$1 vmcorefs=$2 scenarios=$3
here=$(cd "$(dirname "$0")" && pwd)
poke=$here/poke_core.py
test_name=badinput.$case
. "$here/../prelude.sh"
. "$here/inputs.sh"
trim() { sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$1"; }

row=$(grep -E "^${case}[[:space:]]*\|" "$here/cases.txt") || fail "no such case in cases.txt"
IFS='|' read -r _ needs names want_status words <<<"$row"
needs=$(trim "$needs") names=$(trim "$names") want_status=$(trim "$want_status") words=$(trim "$words")

if [[ ";$needs;" == *";root;"* ]] && [ "$(id -u)" -ne 0 ]; then
	echo "skip: $case needs root (mount namespaces, another user)"
	exit 77
fi

mnt=$work/mnt
mkdir "$mnt"
track_mount "$mnt"

# How vmcorefs is run: plain, or in a mount namespace with /dev changed (ns_tmpfs_dev,
# ns_null_fuse), or as nobody (as_nobody, ns_fuse_node_as_nobody); to mount, or in the mode
# of $mode_arg (--extract=FILE, --compare=REF: then with the core alone).
args=() run=plain named='' mode_arg=''

# Input makers: each sets $core (and $args, $run, $mnt, $named as needed).
input_not-elf() { core=$work/text; echo "this is not a core" >"$core"; }
input_empty() { core=$work/empty; : >"$core"; }
input_not-core() { core=$work/true; cp "$(type -P true)" "$core"; }
input_not-qemu() { sleep_core; }
input_cut-elf-header() { sleep_core; truncate -s 48 "$core"; }
input_cut-program-headers() { copy_qemu_core; truncate -s 1024 "$core"; }
input_cut-notes() {
	copy_qemu_core
	local note
	# awk reads to the end: an early exit would kill readelf with SIGPIPE, failing the pipeline.
	note=$(readelf -lW "$core" | awk '$1 == "NOTE" && !seen++ { print $2 }')
	truncate -s $((note + 0x100)) "$core"
}
# Cut at address_space_memory's FlatView: the walk's first structure in the heap is missing.
input_cut-qemu-structures() {
	copy_qemu_core
	truncate -s $(("$("$poke" "$core" offset-of "$(gdb_value address_space_memory.current_map)")")) "$core"
}
# Cut where guest RAM starts (the lowest host address behind any guest-physical block, as the
# uncut core's --info lists them: pc.bios may lie below pc.ram): QEMU's structures may be there or
# not, its RAM is not. Either way the error must point at the truncation.
input_cut-before-guest-ram() {
	copy_qemu_core
	local host='' offset vaddr hosts h
	hosts=$("$vmcorefs" --info "$core" | awk '/^target_start/ { table = 1; next }
		table && NF == 3 && $3 ~ /^[0-9a-f]+$/ { print $3; next }
		table && !/^-/ { table = 0 }')
	for h in $hosts; do
		h=$((16#$h))
		[ -n "$host" ] && ((h >= host)) || host=$h
	done
	[ -n "$host" ] || fail "--info of the uncut core lists no guest RAM block"
	read -r offset vaddr _ < <(load_holding "$core" "$host")
	truncate -s $((offset + host - vaddr)) "$core"
}
input_absurd-phnum() { sleep_core; "$poke" "$core" ehdr e_phnum 0xfffe; }
input_pn-xnum-no-section() { sleep_core; "$poke" "$core" ehdr e_phnum 0xffff; "$poke" "$core" ehdr e_shoff 0; }
input_load-offset-overflow() { sleep_core; "$poke" "$core" load 0 p_offset 0xfffffffffffff000; }
input_load-wraps() { sleep_core; "$poke" "$core" load 0 p_memsz 0xfffffffffffff000; }
input_load-filesz-memsz() { sleep_core; "$poke" "$core" load 0 p_filesz 0x10000000; }
input_note-overflow() { sleep_core; "$poke" "$core" note 0x46494c45 n_descsz 0xfffffff0; }
input_file-note-count() { sleep_core; "$poke" "$core" note 0x46494c45 desc0 0x4000000000000000; }
# tests/debuginfo checks the words of these with --info; here they must stop a mount.
input_no-debug-info() {
	variants
	core=$(scenario_value panic kernel_core)
	mkdir "$work/empty"
	args=(--executable="$(variant stripped)" --debug-file-directory="$work/empty")
}
input_debuginfo-mismatch() {
	variants
	core=$(scenario_value panic kernel_core)
	named=$(variant other_debug)
	args=(--executable="$(variant stripped)" --debuginfo="$named" --debug-file-directory="$work")
}
input_flatview-nr() {
	copy_qemu_core
	"$poke" "$core" mem "$(gdb_value '&address_space_memory.current_map->nr')" \
		"$(gdb_value 'sizeof(address_space_memory.current_map->nr)')" 0xffffffff
}
input_ramblock-cycle() {
	copy_qemu_core
	"$poke" "$core" mem "$(gdb_value '&ram_list.blocks.lh_first->next.le_next')" 8 \
		"$(gdb_value ram_list.blocks.lh_first)"
}
input_pointer-outside() {
	copy_qemu_core
	"$poke" "$core" mem "$(gdb_value '&address_space_memory.current_map')" 8 0x10
}
# The virtiomem scenario's virtio-mem device, whose memory is the top of the guest-physical map:
# the RamDiscardManager of the last FlatView range (QOM casts keep the pointer: it is the device).
vmem='((VirtIOMEM *)address_space_memory.current_map->ranges['
vmem+='address_space_memory.current_map->nr - 1].mr->rdm)'
copy_virtiomem_core() {
	copy_qemu_core virtiomem
	[ "$(gdb_value "$vmem")" != 0 ] || fail "the last FlatView range of $core has no RamDiscardManager"
}
# 4096 bits for the 1 GiB region, which has 512 blocks of 2 MiB.
input_vmem-bitmap-size() {
	copy_virtiomem_core
	"$poke" "$core" mem "$(gdb_value "&$vmem->bitmap_size")" 4 4096
}
input_vmem-bitmap-outside() {
	copy_virtiomem_core
	"$poke" "$core" mem "$(gdb_value "&$vmem->bitmap")" 8 0x10
}
# The device's backend moved by 8 bytes: its MemoryRegion is no longer the one that names the device.
input_vmem-other-region() {
	copy_virtiomem_core
	"$poke" "$core" mem "$(gdb_value "&$vmem->memdev")" 8 $(($(gdb_value "$vmem->memdev") + 8))
}
# The device's QOM type name "virtio-mem" becomes "virtio-mex": a manager vmcorefs does not know.
input_vmem-unknown-type() {
	copy_virtiomem_core
	"$poke" "$core" mem $(($(gdb_value "((Object *)$vmem)->class->type->name") + 9)) 1 0x78
}
# The premise, checked with readelf: the kernel dumped the guest-RAM mapping (-m: memory_mib in
# the manifest) with p_filesz 0; gcore left it out altogether.
# Prints "FILESZ" for each PT_LOAD of CORE whose p_memsz is the guest's RAM size.
ram_loads() {
	local size=$(($(scenario_value dumpoff memory_mib) * 0x100000)) filesz memsz
	while read -r filesz memsz; do
		((memsz == size)) && echo $((filesz))
	done < <(readelf -lW "$1" | awk '$1 == "LOAD" { print $5, $6 }')
	return 0
}
input_dump-guest-core-off() {
	core=$(scenario_value dumpoff kernel_core)
	[ "$(ram_loads "$core")" = 0 ] || fail "$core has no guest-RAM PT_LOAD with p_filesz 0: $(ram_loads "$core")"
}
input_dump-guest-core-gcore() {
	core=$(scenario_value dumpoff gcore_core)
	[ -z "$(ram_loads "$core")" ] || fail "$core has a PT_LOAD the size of guest RAM"
}
input_mnt-missing() { copy_qemu_core; mnt=$work/no-such-directory; }
# Busy: a vmcorefs of the same core is mounted there already.
input_mnt-busy() {
	copy_qemu_core
	timeout 120 "$vmcorefs" "$core" "$mnt" 2>"$work/first.err" || fail "the first mount failed: $(cat "$work/first.err")"
	mountpoint -q "$mnt" || fail "the first mount left no mount point"
}
input_no-dev-fuse() { copy_qemu_core; run=ns_tmpfs_dev; }
input_dev-fuse-not-fuse() { copy_qemu_core; run=ns_null_fuse; }
# Debian's /dev/fuse is 0666 and libfuse then runs fusermount3, which refuses a mount point the
# user cannot enter; where /dev/fuse is 0600 libfuse cannot open it. Both are "Permission denied".
input_no-permission() { nobody_inputs; run=as_nobody; }
# A /dev/fuse anyone may open, bound over the real one: libfuse's mount(2) fails with EPERM for
# nobody and it falls back on fusermount3, whose own stderr must become part of the one line.
input_fusermount3-refuses() {
	nobody_inputs
	mknod "$work/fuse" c 10 229
	chmod 666 "$work/fuse"
	run=ns_fuse_node_as_nobody
}
nobody_inputs() {
	copy_qemu_core
	cp "$qemu" "$work/qemu"
	chmod 755 "$work"
	chmod 644 "$core"
	chmod 700 "$mnt"
	args=(--executable="$work/qemu")
}
input_bad-fuse-option() { copy_qemu_core; args=(-o no_such_option_for_vmcorefs); }

# Files that are not regular files, where vmcorefs expects one: it must not wait for a writer.
input_fifo-core() { core=$work/fifo; mkfifo "$core"; }
fifo_beside_the_core() {
	core=$(scenario_value panic kernel_core)
	named=$work/fifo
	mkfifo "$named"
}
input_fifo-reference() { fifo_beside_the_core; mode_arg=--compare=$named; }
input_fifo-executable() { fifo_beside_the_core; args=(--executable="$named"); }
input_fifo-debuginfo() { fifo_beside_the_core; args=(--debuginfo="$named"); }
# The guest-RAM PT_LOAD (the one holding the host memory of the guest's first block) moved a page
# back in the file: its bytes then overlap those of the segment before it.
input_load-offset-overlap() {
	copy_qemu_core
	local host index=0 offset vaddr memsz
	host=$("$vmcorefs" --info "$core" | awk '/^target_start/ { getline; getline; print $3; exit }')
	[ -n "$host" ] || fail "--info lists no guest block"
	while read -r offset vaddr memsz; do
		((vaddr <= 16#$host && 16#$host < vaddr + memsz)) && break
		index=$((index + 1))
	done < <(readelf -lW "$core" | awk '$1 == "LOAD" { print $2, $3, $6 }')
	"$poke" "$core" load "$index" p_offset $((offset - 0x1000))
}
# The first FlatRange, guest RAM from 0, made 256 GiB long: past the end of pc.ram.
input_flatrange-size() {
	copy_qemu_core
	[ "$(gdb_value 'address_space_memory.current_map->ranges[0].mr->ram')" = 0x1 ] ||
		fail "the first FlatRange of $core is not RAM"
	"$poke" "$core" mem "$(gdb_value '&address_space_memory.current_map->ranges[0].addr.size')" \
		8 0x4000000000
}
input_ramblock-used-length() {
	copy_qemu_core
	"$poke" "$core" mem "$(gdb_value '&ram_list.blocks.lh_first->used_length')" 8 \
		$(($(gdb_value 'ram_list.blocks.lh_first->max_length') + 0x1000))
}
# The first FlatRange's MemoryRegion pointer moved back a page, into other memory.
input_flatrange-mr() {
	copy_qemu_core
	"$poke" "$core" mem "$(gdb_value '&address_space_memory.current_map->ranges[0].mr')" 8 \
		$(($(gdb_value 'address_space_memory.current_map->ranges[0].mr') - 0x1000))
}
# The CPU list emptied at its head: its back links still name the vCPUs.
input_cpu-list-cut() {
	copy_qemu_core
	"$poke" "$core" mem "$(gdb_value '&cpus.tqh_first')" 8 0
}
input_allow-other-private() { copy_qemu_core; chmod 600 "$core"; args=(-o allow_other); }
# --extract must never destroy what it did not create: each target survives as it was.
input_extract-device() {
	core=$(scenario_value panic kernel_core)
	named=$work/null
	mknod "$named" c 1 3
	mode_arg=--extract=$named
}
after_extract-device() { [ -c "$named" ] || fail "$named is no longer a character device"; }
input_extract-dash() { core=$(scenario_value panic kernel_core); named=-; mode_arg=--extract=-; }
# The core as its own target: by its name, a symbolic link and a hard link.
extract_onto_core() {
	copy_qemu_core
	core_identity=$(stat -c '%i %s %Y %Z' "$core")
	named=${1:-$core}
	mode_arg=--extract=$named
}
after_core_untouched() {
	[ "$(stat -c '%i %s %Y %Z' "$core")" = "$core_identity" ] || fail "the core was changed"
}
input_extract-onto-core() { extract_onto_core; }
after_extract-onto-core() { after_core_untouched; }
input_extract-onto-symlink() { extract_onto_core "$work/link"; ln -s "$core" "$named"; }
after_extract-onto-symlink() { after_core_untouched; }
input_extract-onto-hardlink() { extract_onto_core "$work/hard"; ln "$core" "$named"; }
after_extract-onto-hardlink() { after_core_untouched; }
# Layout profiles (--profile) are untrusted input: damaged, of another build, not a file.
profile_of_the_core() {
	core=$(scenario_value panic kernel_core)
	named=$work/profile
	"$vmcorefs" --write-profile="$named" "$core" || fail "--write-profile failed"
	mode_arg=--info
	args=(--profile="$named")
}
input_profile-not-a-profile() { profile_of_the_core; sed -i 1s/1/2/ "$named"; }
input_profile-other-build() {
	profile_of_the_core
	sed -i 's/^build-id .*/build-id 00112233445566778899aabbccddeeff00112233/' "$named"
}
input_profile-lacks-a-fact() { profile_of_the_core; sed -i '/^field FlatRange addr.size /d' "$named"; }
input_profile-field-outside() {
	profile_of_the_core
	sed -i 's/^field FlatRange mr [0-9]* /field FlatRange mr 4294967296 /' "$named"
}
input_profile-fifo() { fifo_beside_the_core; mode_arg=--info; args=(--profile="$named"); }
input_write-profile-onto-core() { extract_onto_core; mode_arg=--write-profile=$core; }
after_write-profile-onto-core() { after_core_untouched; }
# A binary with debug info that is not QEMU: no profile.
input_write-profile-not-qemu() {
	named=$work/hello
	echo 'int main(void) { return 0; }' | cc -g -x c -o "$named" - || fail "cc failed"
	core=
	mode_arg=--write-profile=$work/profile
	args=(--executable="$named")
}
after_write-profile-not-qemu() { [ ! -e "$work/profile" ] || fail "a profile was written"; }
input_write-profile-dash() {
	core=$(scenario_value panic kernel_core)
	named=-
	mode_arg=--write-profile=-
}
# An earlier vmcore on a file system too small for the new one: it survives byte for byte.
input_extract-disk-full() {
	core=$(scenario_value panic kernel_core)
	mkdir "$work/small"
	mount -t tmpfs -o size=4m tmpfs "$work/small"
	track_mount "$work/small"
	named=$work/small/guest.vmcore
	head -c 1000000 /dev/urandom >"$named"
	cp "$named" "$work/before"
	mode_arg=--extract=$named
}
after_extract-disk-full() {
	cmp "$work/before" "$named" || fail "the earlier $named was changed"
	[ "$(ls -A "$work/small")" = guest.vmcore ] || fail "files left in $work/small: $(ls -A "$work/small")"
}

# --pid: a live process takes the core's place ($core stays empty).
a_sleeping_process() {
	sleep 120 &
	sleeper=$!
	track_process "$sleeper"
	named="process $sleeper"
	core=
}
input_pid-none() { core='' named="process 2147483647" args=(--pid=2147483647); }
input_pid-not-a-number() { core='' args=(--pid=12ab); }
input_freeze-without-pid() { copy_qemu_core; args=(--freeze); }
input_json-without-info() { copy_qemu_core; args=(--json); }
input_json-and-verbose() { copy_qemu_core; args=(--info --json -v); }
input_readahead-not-a-size() { copy_qemu_core; args=(--readahead=1M); }
input_readahead-with-info() { copy_qemu_core; args=(--info --readahead=512); }
input_vmcoreinfo-scan-zero() { copy_qemu_core; args=(--info --vmcoreinfo-scan=0); }
input_pid-not-qemu() { a_sleeping_process; args=(--pid="$sleeper"); }
# A process that has exited and is not yet reaped: the child of a parent that never waits. (A
# shell is no such parent: it reaps a child that exits while it still runs, as on a busy machine.)
input_pid-zombie() {
	python3 -c 'import os, time
child = os.fork()
if child == 0:
	os._exit(0)
print(child, flush=True)
time.sleep(120)' >"$work/zombie" &
	track_process $!
	for ((i = 0; i < 100; i++)); do
		[ -s "$work/zombie" ] && [ "$(awk '{ print $3 }' "/proc/$(cat "$work/zombie")/stat" 2>/dev/null)" = Z ] && break
		sleep 0.1
	done
	local zombie
	zombie=$(cat "$work/zombie")
	named="process $zombie"
	core=
	args=(--pid="$zombie")
}
input_pid-other-user() { a_sleeping_process; args=(--pid="$sleeper"); mode_arg=--info; run=as_nobody; }
# gdb holds the process: --freeze must not take it from gdb (nor wait), and say so.
input_pid-freeze-traced() {
	a_sleeping_process
	gdb -nx -batch -p $sleeper -ex "shell touch $work/attached; sleep 60" >/dev/null 2>&1 &
	tracer=$!
	track_process "$tracer"
	for ((i = 0; i < 300; i++)); do [ -e "$work/attached" ] && break; sleep 0.1; done
	[ -e "$work/attached" ] || fail "gdb did not attach to sleep"
	args=(--pid="$sleeper" --freeze)
}
# gdb first: while it holds sleep, a signal to sleep goes to gdb.
after_pid-freeze-traced() { kill -KILL "$tracer"; }

# Runs vmcorefs; afterwards (in the same mount namespace) records whether $mnt is a mount point.
run_vmcorefs() {
	local status=0 nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	local source=(${core:+"$core"}) # none with --pid
	local cmd=("$vmcorefs" "${args[@]}" "${source[@]}" "$mnt")
	[ -z "$mode_arg" ] || cmd=("$vmcorefs" "${args[@]}" "$mode_arg" "${source[@]}")
	# In a private mount namespace: run, note any mount, unmount it (its daemon then exits).
	# shellcheck disable=SC2016 # expanded by the namespace's shell
	local in_ns='"$@"; s=$?; if mountpoint -q "$MNT"; then echo mounted >"$MARK"; umount -l "$MNT"; fi; exit $s'
	export MNT=$mnt MARK=$work/mounted-in-namespace
	case $run in
	plain) timeout 120 "${cmd[@]}" || status=$? ;;
	as_nobody) timeout 120 "${nobody[@]}" "${cmd[@]}" || status=$? ;;
	ns_tmpfs_dev)
		timeout 120 unshare -m --propagation private sh -c "mount -t tmpfs tmpfs /dev && $in_ns" sh "${cmd[@]}" || status=$? ;;
	ns_null_fuse)
		timeout 120 unshare -m --propagation private sh -c "mount --bind /dev/null /dev/fuse && $in_ns" sh "${cmd[@]}" || status=$? ;;
	ns_fuse_node_as_nobody)
		timeout 120 unshare -m --propagation private sh -c "mount --bind '$work/fuse' /dev/fuse && $in_ns" sh \
			"${nobody[@]}" "${cmd[@]}" || status=$? ;;
	esac
	return $status
}

"input_$case"
case $names in
core) named=$core ;;
mnt) named=$mnt ;;
debuginfo | other) ;; # set by the input maker
-) named= ;;
*) fail "cases.txt: unknown NAMES '$names'" ;;
esac
mounts_before=$(grep -c " $mnt " /proc/self/mountinfo || true)

status=0
run_vmcorefs >"$work/out" 2>"$work/err" || status=$?
line=$(cat "$work/err")

[ ! -e "$work/mounted-in-namespace" ] || fail "vmcorefs mounted $mnt in its mount namespace (exit $status): $line"
mounts_after=$(grep -c " $mnt " /proc/self/mountinfo || true)
[ "$mounts_after" -eq "$mounts_before" ] ||
	fail "$mnt had $mounts_before mounts before vmcorefs and $mounts_after after (exit $status): $line"
if [ "$case" != mnt-busy ] && mountpoint -q "$mnt" 2>/dev/null; then
	fail "$mnt is a mount point afterwards"
fi
[ "$status" -eq "$want_status" ] || fail "exit status $status, expected $want_status; stderr: $line"
[ ! -s "$work/out" ] || fail "stdout is not empty: $(cat "$work/out")"
[ "$(wc -l <"$work/err")" -eq 1 ] && [ "$(tail -c 1 "$work/err" | od -An -c | tr -d ' ')" = '\n' ] ||
	fail "stderr is not exactly one line:"$'\n'"$line"
if [ -n "$named" ]; then
	[[ $line == "vmcorefs: $named: "* ]] || fail "the line does not start with 'vmcorefs: $named: ': $line"
else
	[[ $line == "vmcorefs: "* ]] || fail "the line does not start with 'vmcorefs: ': $line"
fi
IFS=';' read -ra expected <<<"$words"
for word in "${expected[@]}"; do
	[[ $line == *"$word"* ]] || fail "the line does not say '$word': $line"
done
! declare -F "after_$case" >/dev/null || "after_$case"
echo "ok: $line"
