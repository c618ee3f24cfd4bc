#!/bin/bash
# Makes (once, then reuses) the process core of a QEMU with a 1 TiB guest: QEMU only runs its
# firmware, so almost all guest RAM is never touched and the core is sparse (~1.1 TB apparent,
# ~150 MB on disk). It exists to show that mounting does not grow with guest RAM.
# Usage: make-1t-core.sh QEMU DIR. Prints the core's path on stdout.
set -eu
[ $# -eq 2 ] || { echo "usage: make-1t-core.sh QEMU DIR" >&2; exit 2; }
qemu=$1 dir=$2
say() { echo "make-1t-core: $*" >&2; }

# The core belongs to one QEMU binary: the walker needs that binary's debug info.
if [ -f "$dir/core" ] && [ "$(cat "$dir/qemu" 2>/dev/null)" = "$qemu" ]; then
	echo "$dir/core"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
# The file system must take a 1.1 TB sparse file plus the ~150 MB QEMU really writes.
free_kib=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
[ "$free_kib" -gt $((2 * 1024 * 1024)) ] || { say "less than 2 GiB free in $dir"; exit 1; }

# cwd = DIR because Debian's core_pattern ("core") is relative to the crashing process's cwd.
# reserve=off: the host need not have 1 TiB; phys-bits=48: the default 40 bits cannot address it.
(cd "$dir" && ulimit -c unlimited && exec "$qemu" -L /usr/share/qemu -L /usr/share/seabios \
	-machine pc,memory-backend=ram -object memory-backend-ram,id=ram,size=1T,reserve=off -m 1T \
	-cpu qemu64,phys-bits=48 -accel tcg -nodefaults -display none) </dev/null >"$dir/qemu.log" 2>&1 &
pid=$!
disown # no "Aborted (core dumped)" job notice; the core's presence is checked below
trap 'kill -KILL $pid 2>/dev/null || true' EXIT
trap 'exit 1' HUP INT TERM
# A zombie stays in /proc until waited for: test the process state, not kill -0.
alive() { case $(sed -n 's/^State:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null) in '' | Z* | X*) return 1 ;; esac; }

sleep 5 # the firmware's few seconds: it writes the low guest RAM the core then holds
alive || { cat "$dir/qemu.log" >&2; say "QEMU exited early"; exit 1; }
start=$SECONDS
kill -ABRT $pid
# Writing the sparse core walks all 1 TiB of page tables: about a minute.
while alive; do
	[ $((SECONDS - start)) -lt 600 ] || { say "QEMU still dumping 600 s after SIGABRT"; exit 1; }
	sleep 1
done
[ ! -f "$dir/core.$pid" ] || mv "$dir/core.$pid" "$dir/core" # core_pattern "core" with core_uses_pid
[ -f "$dir/core" ] || { say "no core in $dir (core_pattern: $(cat /proc/sys/kernel/core_pattern))"; exit 1; }
say "core written in $((SECONDS - start)) s"
echo "$qemu" >"$dir/qemu"
echo "$dir/core"
