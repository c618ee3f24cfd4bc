#!/bin/bash
# vmcorefs --pid on a live QEMU. One guest is booted for every check: the QEMU, kernel and vmlinux
# of a harness scenario (MANIFEST: panic or panic-arm64), here without the panic and with a
# workload (a shell counting for ever, vmcorefs.busy=1). In order:
#   running  mounted while the guest runs: every vCPU stale (no registers), drgn (and on x86_64
#            crash's sys and ps) read the kernel and the task list, workload included; so do they
#            on --extract --pid's file
#   paused   QMP stop, then QEMU's dump-guest-memory as the reference: --compare --pid agrees with
#            it byte for byte, registers included, also walked with the profile --write-profile
#            --pid writes; --info --pid lists the blocks --info lists on gcore's core of the same
#            instant; then QMP cont
#   hung     SIGSTOP: QMP query-status gets no answer; the mount reads as when running, with
#            registers; SIGCONT, and QMP answers again
#   frozen   --freeze: while mounted every QEMU thread is in tracing stop and uses no CPU, the
#            registers are there; after unmount, and after kill -9 of the daemon, QEMU runs
#            again; a QEMU gdb holds cannot be frozen (one line)
#   gone     QEMU killed while mounted: reads fail with EIO, the daemon logs one line about it
#            and unmounts cleanly
#   exiting  a QEMU (another, not booted: -S) killed while vmcorefs is walking its structures (held
#            there by gdb): one line saying it has exited, a non-zero exit, no mount
#   panicked a guest booted to panic as the harness's panic scenario does: hung (SIGSTOP, QMP
#            silent), --pid mounts and info (and on x86_64 crash's sys) shows the panic; paused,
#            --compare --pid agrees with QEMU's dump-guest-memory, registers included
# Usage: check.sh VMCOREFS MANIFEST
set -eu
test_name=live
. "$(dirname "$0")/../prelude.sh"
[ $# -eq 2 ] || fail "usage: check.sh VMCOREFS MANIFEST"
vmcorefs=$1 manifest=$2
here=$(cd "$(dirname "$0")" && pwd)
harness=$here/../harness
say() { echo "live: $*"; }

qemu=$(manifest_value "$manifest" qemu)
target=$(manifest_value "$manifest" target)
vmlinux=$(manifest_value "$manifest" vmlinux)
vmlinuz=$(manifest_value "$manifest" vmlinuz)
release=$(manifest_value "$manifest" release)
cpus=$(manifest_value "$manifest" cpus)
initrd=$("$harness/make-initramfs.sh" "$(dirname "$vmlinuz")")
case $target in
x86_64) board=(-machine pc) console=ttyS0 ;;
aarch64) board=(-machine virt -cpu cortex-a57) console=ttyAMA0 ;;
*) fail "no live check for target $target" ;;
esac

# Boots the scenario's kernel in a new QEMU, $pid, named $guest (NAME): its console in
# $work/NAME.serial, its own output in $work/NAME.out, its QMP socket $work/NAME.qmp.
start_guest() { # NAME KERNEL-ARGUMENTS
	guest=$1
	"$qemu" -L /usr/share/qemu -L /usr/share/seabios "${board[@]}" -m 512 -smp "$cpus" \
		-accel tcg,tb-size=128 -nodefaults -display none -device vmcoreinfo \
		-kernel "$vmlinuz" -initrd "$initrd" -append "console=$console $2" \
		-serial "file:$work/$guest.serial" -qmp "unix:$work/$guest.qmp,server=on,wait=off" \
		</dev/null >"$work/$guest.out" 2>&1 &
	pid=$!
	track_process $pid
}
# QMP commands to $guest; a QEMU that does not answer in SECONDS fails them.
qmp_within() { # SECONDS COMMAND...
	timeout "$1" /usr/bin/python3 "$harness/qmp.py" "$work/$guest.qmp" "${@:2}"
}
qmp() { qmp_within 60 "$@"; }

start_guest busy vmcorefs.busy=1

ready=$(await_line "$work/busy.serial" '^VMCOREFS-READY ' $pid 300 "$work/busy.out")
say "guest ready after $ready s"

mnt=$work/mnt
mkdir "$mnt"
track_mount "$mnt"

# drgn on x86_64 and aarch64, crash on x86_64 (Debian's crash reads no other): the kernel's
# release and the task list, which must hold the workload, a running sh.
read_guest() {
	local file=$1 what=$2
	/usr/bin/python3 "$here/../qemu/drgn_check.py" "$file" "$vmlinux" live >"$work/drgn.out" 2>&1 ||
		{ cat "$work/drgn.out"; fail "$what: drgn cannot read $file"; }
	grep -qx "release $release" "$work/drgn.out" || { cat "$work/drgn.out"; fail "$what: drgn read the wrong release"; }
	grep -q '^tasks .* sh\b' "$work/drgn.out" || { cat "$work/drgn.out"; fail "$what: drgn's task list has no sh"; }
	[ "$target" = x86_64 ] || return 0
	printf 'sys\nps\nquit\n' | timeout 300 crash -s "$vmlinux" "$file" >"$work/crash.out" 2>&1 ||
		{ cat "$work/crash.out"; fail "$what: crash failed on $file"; }
	grep -q "RELEASE: $release\$" "$work/crash.out" || { cat "$work/crash.out"; fail "$what: crash's sys has no RELEASE $release"; }
	grep -Eq '^[> ]+[0-9]+ .* sh$' "$work/crash.out" ||
		{ cat "$work/crash.out"; fail "$what: crash's ps shows no sh"; }
	say "$what: drgn and crash read release $release and the running workload"
}

# running: nothing stops QEMU; its vCPUs' registers change as they are read, so none are given.
"$vmcorefs" --pid=$pid "$mnt" 2>"$work/mount.err" || { cat "$work/mount.err"; fail "running: --pid did not mount"; }
for ((i = 0; i < cpus; i++)); do
	grep -q "vCPU $i: registers are stale (the vCPU runs in the live QEMU" "$mnt/info" ||
		{ cat "$mnt/info"; fail "running: vCPU $i is not reported stale"; }
done
grep -q "^process: *$pid (live: " "$mnt/info" && grep -q "\"pid\": $pid," "$mnt/info.json" ||
	{ cat "$mnt/info"; fail "running: info does not say it is process $pid, live"; }
read_guest "$mnt/guest.vmcore" "running, mounted"
fusermount3 -u "$mnt"
"$vmcorefs" --extract="$work/extracted.vmcore" --pid=$pid 2>/dev/null || fail "running: --extract --pid failed"
read_guest "$work/extracted.vmcore" "running, --extract"
rm "$work/extracted.vmcore"

# paused: the same instant as QEMU's own dump, registers and all.
qmp stop "{\"execute\": \"dump-guest-memory\", \"arguments\": {\"paging\": false, \"protocol\": \"file:$work/reference.vmcore\"}}" ||
	fail "paused: QMP stop + dump-guest-memory failed"
"$vmcorefs" --compare="$work/reference.vmcore" --pid=$pid >"$work/compare.out" 2>&1 ||
	{ cat "$work/compare.out"; fail "paused: --compare --pid does not agree with QEMU's dump"; }
grep -q '^notes: ' "$work/compare.out" || fail "paused: --compare compared no notes"
"$vmcorefs" --info --pid=$pid >"$work/info.out" 2>&1 || fail "paused: --info --pid failed"
! grep -q 'registers are stale' "$work/info.out" || { cat "$work/info.out"; fail "paused: a vCPU is reported stale"; }
say "paused: --compare --pid agrees with dump-guest-memory; $(grep '^memory:' "$work/compare.out")"
"$vmcorefs" --write-profile="$work/live.profile" --pid=$pid || fail "paused: --write-profile --pid failed"
"$vmcorefs" --compare="$work/reference.vmcore" --pid=$pid --profile="$work/live.profile" \
	>"$work/compare.out" 2>&1 ||
	{ cat "$work/compare.out"; fail "paused: --compare --pid --profile does not agree with QEMU's dump"; }
say "paused: so does --compare --pid with the profile --write-profile --pid wrote"
rm "$work/reference.vmcore"
# gcore of the same instant: --info on its core lists the blocks --info --pid lists.
timeout 600 gdb -nx -batch -iex 'set debuginfod enabled off' -p $pid -ex "gcore $work/gcore.core" \
	>"$work/gdb.log" 2>&1 || { cat "$work/gdb.log"; fail "paused: gcore failed"; }
blocks() { awk '/^target_start/ { on = 1 } on && NF == 0 { exit } on' "$1"; }
"$vmcorefs" --info "$work/gcore.core" >"$work/gcore-info.out" 2>&1 || fail "paused: --info on gcore's core failed"
[ -n "$(blocks "$work/info.out")" ] && diff <(blocks "$work/info.out") <(blocks "$work/gcore-info.out") ||
	fail "paused: --info --pid and --info on gcore's core list different guest blocks"
say "paused: --info --pid lists the guest blocks --info lists on gcore's core ($(($(blocks "$work/info.out" | wc -l) - 2)))"
rm "$work/gcore.core"
qmp cont || fail "paused: QMP cont failed"

# hung: a QEMU whose monitor does not answer, as when its main loop deadlocks.
kill -STOP $pid
if qmp_within 5 query-status >/dev/null 2>&1; then
	fail "hung: QMP answered a stopped QEMU"
fi
say "hung: QMP query-status got no answer in 5 s"
"$vmcorefs" --pid=$pid "$mnt" 2>"$work/mount.err" || { cat "$work/mount.err"; fail "hung: --pid did not mount"; }
! grep -q 'runs in the live QEMU' "$mnt/info" || { cat "$mnt/info"; fail "hung: vCPUs of a stopped process reported running"; }
read_guest "$mnt/guest.vmcore" "hung, mounted"
fusermount3 -u "$mnt"
kill -CONT $pid
qmp query-status >/dev/null || fail "hung: QMP does not answer after SIGCONT"

# frozen: QEMU's threads held with ptrace while mounted, and let go however the daemon ends.
cpu_time() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; } # utime + stime, in clock ticks
runs() { # QEMU's TCG threads use CPU time
	local before
	before=$(cpu_time)
	sleep 1
	[ "$(cpu_time)" -gt "$before" ]
}
all_traced() {
	local t
	for t in "/proc/$pid/task"/*; do
		[ "$(sed 's/^.*) \(.\).*$/\1/' "$t/stat")" = t ] || return 1
	done
}
for ending in unmount kill; do
	"$vmcorefs" --pid=$pid --freeze "$mnt" 2>"$work/mount.err" || { cat "$work/mount.err"; fail "frozen: --freeze did not mount"; }
	all_traced || { grep . /proc/$pid/task/*/stat; fail "frozen: a QEMU thread is not in tracing stop"; }
	! runs || fail "frozen: QEMU used CPU time while frozen"
	! grep -q 'registers are stale' "$mnt/info" || { cat "$mnt/info"; fail "frozen: a vCPU is reported stale"; }
	head -c 1M "$mnt/guest.vmcore" >/dev/null || fail "frozen: cannot read the mount"
	if [ $ending = unmount ]; then
		fusermount3 -u "$mnt"
	else
		kill -KILL "$(pgrep -f -- "--pid=$pid --freeze")"
		fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt"
	fi
	for ((i = 0; i < 50; i++)); do all_traced || break; sleep 0.1; done
	runs || fail "frozen: QEMU does not run again after $ending"
	say "frozen: $(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 | wc -l) threads in tracing stop, no CPU time; QEMU runs again after $ending"
done
gdb -nx -batch -p $pid -ex "shell touch $work/gdb-attached; sleep 60" >/dev/null 2>&1 &
gdb=$!
track_process $gdb
for ((i = 0; i < 300; i++)); do [ -e "$work/gdb-attached" ] && break; sleep 0.1; done
[ -e "$work/gdb-attached" ] || fail "frozen: gdb did not attach"
if "$vmcorefs" --pid=$pid --freeze --info >"$work/traced.out" 2>"$work/traced.err"; then
	fail "frozen: --freeze froze a QEMU gdb holds"
fi
[ "$(wc -l <"$work/traced.err")" = 1 ] && grep -q "another tracer (gdb, strace?) holds it" "$work/traced.err" ||
	{ cat "$work/traced.err"; fail "frozen: no one line saying another tracer holds QEMU"; }
kill -KILL $gdb
wait $gdb 2>/dev/null || true
kill -CONT $pid # gdb's attach stopped QEMU with SIGSTOP, which outlives it
runs || fail "frozen: QEMU does not run again after gdb"
say "frozen, under gdb: $(cat "$work/traced.err")"

# gone: the process exits under the mount.
"$vmcorefs" -f --pid=$pid "$mnt" 2>"$work/gone.err" &
daemon=$!
track_process $daemon
for ((i = 0; ; i++)); do
	mountpoint -q "$mnt" && break
	[ $i -lt 100 ] || { cat "$work/gone.err"; fail "gone: no mount after 10 s"; }
	sleep 0.1
done
head -c 4096 "$mnt/guest.vmcore" >/dev/null || fail "gone: cannot read the mount"
kill -KILL $pid
wait $pid 2>/dev/null || true
if dd if="$mnt/guest.vmcore" of=/dev/null bs=1M skip=64 count=1 2>"$work/dd.err"; then
	fail "gone: guest memory of a dead QEMU was read"
fi
grep -q 'Input/output error' "$work/dd.err" || { cat "$work/dd.err"; fail "gone: the read did not fail with EIO"; }
fusermount3 -u "$mnt"
wait $daemon || fail "gone: the daemon exited with status $?"
[ "$(grep -c 'the process has exited' "$work/gone.err")" = 1 ] ||
	{ cat "$work/gone.err"; fail "gone: the daemon did not log the exit once"; }
say "gone: reads fail with EIO; the daemon said: $(grep 'has exited' "$work/gone.err")"

# exiting: the process goes while the mount is being made. gdb holds vmcorefs where the walk of
# QEMU's structures begins, and QEMU is killed there; vmcorefs goes on once QEMU is a zombie or
# reaped (this shell reaps it while it waits for gdb), its memory gone: SIGKILL is not instant.
"$qemu" -L /usr/share/qemu -L /usr/share/seabios "${board[@]}" -m 512 -S -accel tcg -nodefaults \
	-display none -qmp "unix:$work/qmp-exiting.sock,server=on,wait=off" \
	</dev/null >"$work/qemu-exiting.log" 2>&1 &
pid=$!
track_process $pid
disown $pid # killed on purpose: no job notice
# QMP answers once the machine is made: before that, vmcorefs would find no guest in it yet.
for ((i = 0; ; i++)); do
	timeout 5 /usr/bin/python3 "$harness/qmp.py" "$work/qmp-exiting.sock" query-status \
		>/dev/null 2>&1 && break
	[ $i -lt 100 ] || { cat "$work/qemu-exiting.log"; fail "exiting: QEMU's QMP did not answer"; }
	sleep 0.1
done
gone="grep -qs '^State:.Z' /proc/$pid/status || [ ! -e /proc/$pid ]"
timeout 300 gdb -nx -batch -iex 'set debuginfod enabled off' -ex 'break vmcorefs::walk_guest' \
	-ex "set args -f --pid=$pid $mnt 2>$work/exiting.err" -ex run \
	-ex "shell kill -KILL $pid; until $gone; do sleep 0.1; done" \
	-ex continue "$vmcorefs" >"$work/exiting-gdb.out" 2>&1 ||
	{ cat "$work/exiting-gdb.out" "$work/exiting.err"; fail "exiting: gdb failed"; }
grep -q '^Breakpoint 1, vmcorefs::walk_guest' "$work/exiting-gdb.out" ||
	{ cat "$work/exiting-gdb.out"; fail "exiting: vmcorefs did not reach the walk"; }
grep -q 'exited with code 0*[1-9]' "$work/exiting-gdb.out" ||
	{ cat "$work/exiting-gdb.out"; fail "exiting: vmcorefs did not exit with an error"; }
[ "$(wc -l <"$work/exiting.err")" = 1 ] &&
	grep -q "^vmcorefs: process $pid: .*the process has exited" "$work/exiting.err" ||
	{ cat "$work/exiting.err"; fail "exiting: no one line saying process $pid has exited"; }
! is_mounted "$mnt" || fail "exiting: something is mounted on $mnt"
say "exiting: $(cat "$work/exiting.err")"

# panicked: another guest, which panics at boot (the panic scenario's guest), paused.
case $target in
x86_64) panic_by=1 ;;
aarch64) panic_by=fp ;;
esac
start_guest panicked "panic=0 vmcorefs.panic=$panic_by"
await_line "$work/panicked.serial" 'end Kernel panic - not syncing: sysrq triggered crash' $pid \
	300 "$work/panicked.out" >/dev/null
kill -STOP $pid
if qmp_within 5 query-status >/dev/null 2>&1; then
	fail "panicked: QMP answered a stopped QEMU"
fi
"$vmcorefs" --pid=$pid "$mnt" 2>"$work/mount.err" ||
	{ cat "$work/mount.err"; fail "panicked: --pid did not mount"; }
panic=$(grep "^panic: *Kernel panic - not syncing: sysrq triggered crash" "$mnt/info") ||
	{ cat "$mnt/info"; fail "panicked: info shows no panic"; }
if [ "$target" = x86_64 ]; then
	printf 'sys\nquit\n' | timeout 300 crash -s "$vmlinux" "$mnt/guest.vmcore" >"$work/crash.out" 2>&1 ||
		{ cat "$work/crash.out"; fail "panicked: crash failed"; }
	grep -q 'PANIC: "Kernel panic - not syncing: sysrq triggered crash"' "$work/crash.out" ||
		{ cat "$work/crash.out"; fail "panicked: crash's sys shows no panic"; }
fi
fusermount3 -u "$mnt"
kill -CONT $pid
say "panicked, hung: QMP silent; --pid mounts, info says $panic"
dump="{\"execute\": \"dump-guest-memory\","
dump+=" \"arguments\": {\"paging\": false, \"protocol\": \"file:$work/panic.vmcore\"}}"
qmp stop "$dump" ||
	fail "panicked: QMP stop + dump-guest-memory failed"
"$vmcorefs" --compare="$work/panic.vmcore" --pid=$pid >"$work/compare.out" 2>&1 ||
	{ cat "$work/compare.out"; fail "panicked: --compare --pid does not agree with QEMU's dump"; }
grep -q '^notes: ' "$work/compare.out" || fail "panicked: --compare compared no notes"
say "panicked: --compare --pid agrees with dump-guest-memory; $(grep '^notes:' "$work/compare.out")"
