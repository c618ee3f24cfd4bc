#!/bin/bash
# vmcorefs benchmark (docs/ARCHITECTURE.md, Tests): mount time, sequential and random reads against
# the core file itself, time to crash's `sys` against QEMU's gdb script, daemon memory, VMCOREINFO
# scan. Prints a table: each figure is the median of several runs with min and max; each ratio is
# computed within one run (the two sides measured back to back) before taking the median. Targets
# are printed with a verdict, never enforced: the exit status says only whether the benchmark could
# run. Needs root (drop_caches, perf uprobes), /dev/fuse, perf, crash, gdb.
# Usage: bench/run.sh. VMCOREFS=BINARY benchmarks that binary instead of a fresh Release build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
harness=$here/../tests/harness
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}/bench
runs=7      # cheap figures (mount, --info, random reads)
seq_runs=5  # sequential reads: two 512 MiB reads per run
slow_runs=3 # cold caches and crash sessions
say() { echo "bench: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "needs root (drop_caches, uprobes)"; exit 1; }
bench_start=$SECONDS

# Scratch space on the cache's file system: the gdb script writes a full copy of guest RAM.
bench_setup run
mounted_tracefs=
cleanup() {
	if mountpoint -q "$mnt"; then fusermount3 -u "$mnt" || fusermount3 -uz "$mnt"; fi
	[ -z "$perf_pid" ] || { kill -INT "$perf_pid"; wait "$perf_pid"; } || true
	probes_delete
	[ -z "$mounted_tracefs" ] || umount /sys/kernel/tracing
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# --- Inputs: the harness's 512 MiB guests (rebuilt: ~20 s each), the cached 1 TiB core, QEMU's
# gdb script from the source package of the very QEMU that made the cores. ---
say "making the panic and novmcoreinfo scenarios (512 MiB guests)"
"$harness/make-scenario.sh" panic "$cache/panic" 2>"$work/scenario.log" ||
	{ cat "$work/scenario.log" >&2; exit 1; }
"$harness/make-scenario.sh" novmcoreinfo "$cache/novmcoreinfo" 2>"$work/scenario.log" ||
	{ cat "$work/scenario.log" >&2; exit 1; }
value() { sed -n "s/^$2=//p" "$cache/$1/manifest"; }
core_512m=$(value panic kernel_core) core_novmci=$(value novmcoreinfo kernel_core)
qemu=$(value panic qemu) vmlinux=$(value panic vmlinux)
[ -n "$core_512m" ] && [ -n "$core_novmci" ] || { say "a scenario has no kernel core"; exit 1; }
# The harness punches holes where its cores hold zeros; the reads below are measured on a core
# that is data throughout, as a busy guest's is.
cp --sparse=never "$core_512m" "$work/panic.core"
core_512m=$work/panic.core
say "making or reusing the 1 TiB guest's core"
core_1t=$("$here/make-1t-core.sh" "$qemu" "$cache/guest-1t")

# build-qemu.sh names its directory after the package version, ':' and '~' turned into '_'.
qemu_dir=$(basename "$(dirname "$(dirname "$qemu")")")
qemu_version=$(apt-cache madison qemu | awk -F' [|] ' '$3 ~ /Sources$/ { gsub(/ /, "", $2); print $2 }' |
	while read -r v; do [ "qemu-$(echo "$v" | tr ':~' '__')" != "$qemu_dir" ] || echo "$v"; done)
dgm=$cache/qemu-src-$qemu_dir/dump-guest-memory.py
if [ ! -f "$dgm" ]; then
	[ -n "$qemu_version" ] || { say "no qemu source package matches $qemu_dir"; exit 1; }
	say "fetching dump-guest-memory.py from qemu $qemu_version"
	mkdir -p "$(dirname "$dgm")"
	# Only the orig tarball: Debian's patches do not touch the script (checked for 7.2), and
	# this mirror serves no .dsc for backports.
	(cd "$(dirname "$dgm")" && apt-get source -q --download-only --tar-only --only-source \
		"qemu=$qemu_version" >/dev/null && tar -xf qemu_*.orig.tar.* --wildcards \
		--strip-components=2 '*/scripts/dump-guest-memory.py' && rm qemu_*.orig.tar.*)
fi
cc -O2 -Wall -o "$work/randread" "$here/randread.c"

if [ ! -e /sys/kernel/tracing/uprobe_events ]; then
	mount -t tracefs nodev /sys/kernel/tracing && mounted_tracefs=1
fi
probes_delete
# f0-f2 debug info (libdwfl's load, the DWARF index, freeing them); f3 finding VMCOREINFO.
probes_add 'vmcorefs::DebugInfo::open(' 'vmcorefs::DwarfTypes::index_dwarf(' \
	'vmcorefs::DebugInfo::~DebugInfo(' 'vmcorefs::find_vmcoreinfo('
"$vmcorefs" --info "$core_512m" >/dev/null || { say "vmcorefs --info fails on $core_512m"; exit 1; }

# --- 1 and 6: mount and --info, warm page cache; guests interleaved so that a ratio compares
# runs seconds apart. perf records the probes meanwhile: debug-info time is that of the run. ---
say "figure 1/6: mount and --info"
cat "$core_512m" "$core_novmci" >/dev/null
"$vmcorefs" --info "$core_1t" >/dev/null 2>&1 # warms the 1 TiB core's metadata and the DWARF
probes_start
for ((i = 0; i < runs; i++)); do
	for g in 512m 1t novmci; do
		core_var=core_$g core=${!core_var}
		run=$(timed_mount "$core")
		unmount_core "$core"
		echo "$g mount $run" >>"$work/runs"
		run=$(timed_info "$core")
		echo "$g info $run" >>"$work/runs"
	done
done
probes_stop 4
while read -r g kind ms pid; do
	sample "${kind}_$g" "$ms"
	read -r open index free scan <<<"$(probe_ms "$pid")"
	[ "${scan:--}" = - ] || sample "scan_$g" "$scan"
	[ "$kind" = mount ] && [ "${open:--}" != - ] && [ "$index" != - ] && [ "$free" != - ] || continue
	debug=$(awk -v a="$open" -v b="$index" -v c="$free" 'BEGIN { print a + b + c }')
	sample "debug_$g" "$debug"
	sample "beyond_$g" "$(awk -v m="$ms" -v d="$debug" 'BEGIN { print m - d }')"
done <"$work/runs"
# Ratios of the runs of one round (paste: 512m and 1t of the same i side by side).
paste -d ' ' "$work/samples/mount_1t" "$work/samples/mount_512m" | awk '{ print $1 / $2 }' >"$work/samples/ratio_mount"
say "figure 1: mount and --info with the layout profile cached"
profiles=$work/profiles
VMCOREFS_PROFILE_CACHE=$profiles "$vmcorefs" --info "$core_512m" >/dev/null # saves the profile
for ((i = 0; i < runs; i++)); do
	for g in 512m 1t; do
		core_var=core_$g core=${!core_var}
		run=$(VMCOREFS_PROFILE_CACHE=$profiles timed_mount "$core")
		sample "mount_profile_$g" "${run% *}"
		unmount_core "$core"
		run=$(VMCOREFS_PROFILE_CACHE=$profiles timed_info "$core")
		sample "info_profile_$g" "${run% *}"
	done
done
paste -d ' ' "$work/samples/mount_512m" "$work/samples/mount_profile_512m" | awk '{ print $1 / $2 }' \
	>"$work/samples/ratio_profile"
say "figure 1: mount with all caches dropped"
for ((i = 0; i < slow_runs; i++)); do
	for g in 512m 1t; do
		core_var=core_$g core=${!core_var}
		drop_caches
		run=$(timed_mount "$core")
		sample "cold_mount_$g" "${run% *}"
		unmount_core "$core"
	done
done
# Peak RSS of --info: the debug info at its largest (the daemon has freed it, see figure 5).
for ((i = 0; i < slow_runs; i++)); do
	for g in 512m 1t; do
		core_var=core_$g
		sample "info_rss_$g" "$(/usr/bin/time -f %M "$vmcorefs" --info "${!core_var}" 2>&1 >/dev/null |
			awk 'END { print $1 / 1024 }')"
	done
done

# --- 2: sequential dd bs=1M of guest.vmcore against the same byte count of the core. ---
mbps() { awk -v b="$1" -v ms="$2" 'BEGIN { print b / ms / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }
dd_ms() {
	local start=${EPOCHREALTIME/./}
	dd if="$1" of=/dev/null bs=1M count="$2" iflag=count_bytes status=none
	since_ms "$start"
}
say "figure 2: sequential reads"
cat "$core_512m" >/dev/null
for ((i = 0; i < seq_runs; i++)); do
	timed_mount "$core_512m" >/dev/null
	bytes=$(stat -c %s "$mnt/guest.vmcore")
	first=$(mbps "$bytes" "$(dd_ms "$mnt/guest.vmcore" "$bytes")")
	second=$(mbps "$bytes" "$(dd_ms "$mnt/guest.vmcore" "$bytes")")
	core=$(mbps "$bytes" "$(dd_ms "$core_512m" "$bytes")")
	unmount_core "$core_512m"
	sample seq_first "$first"
	sample seq_second "$second"
	sample seq_core "$core"
	sample ratio_first "$(ratio "$first" "$core")"
	sample ratio_second "$(ratio "$second" "$core")"
	# The same first read with the kernel's readahead window (vmcorefs's default is 1024 KiB).
	timed_mount "$core_512m" --readahead=128 >/dev/null
	first_128=$(mbps "$bytes" "$(dd_ms "$mnt/guest.vmcore" "$bytes")")
	unmount_core "$core_512m"
	sample seq_first_128 "$first_128"
	sample ratio_readahead "$(ratio "$first" "$first_128")"
done
for ((i = 0; i < slow_runs; i++)); do
	timed_mount "$core_512m" >/dev/null
	drop_caches # the core's pages and guest.vmcore's, with the daemon already up
	cold=$(mbps "$bytes" "$(dd_ms "$mnt/guest.vmcore" "$bytes")")
	unmount_core "$core_512m"
	drop_caches
	core=$(mbps "$bytes" "$(dd_ms "$core_512m" "$bytes")")
	sample seq_cold "$cold"
	sample seq_cold_core "$core"
	sample ratio_cold "$(ratio "$cold" "$core")"
done

# --- 3: random 4 KiB reads, each on a fresh mount so that every read misses the FUSE cache. ---
say "figure 3: random 4 KiB reads"
cat "$core_512m" >/dev/null
for ((i = 0; i < runs; i++)); do
	timed_mount "$core_512m" >/dev/null
	read -r p50 p99 < <("$work/randread" "$mnt/guest.vmcore" "$bytes" 20000)
	unmount_core "$core_512m"
	read -r core_p50 core_p99 < <("$work/randread" "$core_512m" "$bytes" 20000)
	sample rand_p50 "$p50"
	sample rand_p99 "$p99"
	sample rand_core_p50 "$core_p50"
	sample rand_core_p99 "$core_p99"
	# What the larger window costs random readers, if anything.
	timed_mount "$core_512m" --readahead=128 >/dev/null
	read -r p50 p99 < <("$work/randread" "$mnt/guest.vmcore" "$bytes" 20000)
	unmount_core "$core_512m"
	sample rand_128_p50 "$p50"
	sample rand_128_p99 "$p99"
done

# --- 4: from the core to crash's `sys`: vmcorefs against the gdb script + crash. ---
crash_sys() { printf 'sys\nquit\n' | timeout 300 crash -s "$vmlinux" "$1" >"$2" 2>&1 || true; }
# What crash said: its PANIC line when `sys` worked, else its first complaint.
crash_verdict() {
	grep -m 1 'PANIC:' "$1" | sed 's/^ */sys OK, /' ||
		grep -m 1 -i -e 'crash:' -e 'error' -e 'not match' "$1" || tail -n 1 "$1"
}
say "figure 4: time to crash's sys"
for ((i = 0; i < slow_runs; i++)); do
	run=$(timed_mount "$core_512m")
	mount_ms=${run% *}
	start=${EPOCHREALTIME/./}
	crash_sys "$mnt/guest.vmcore" "$work/crash.vmcorefs"
	crash_ms=$(since_ms "$start")
	unmount_core "$core_512m"
	start=${EPOCHREALTIME/./}
	timeout 900 gdb -nx -batch -iex 'set debuginfod enabled off' -ex "source $dgm" \
		-ex "dump-guest-memory $work/gdb.vmcore X86_64" "$qemu" "$core_512m" >"$work/gdb.log" 2>&1 ||
		{ cat "$work/gdb.log" >&2; say "the gdb script failed"; exit 1; }
	gdb_ms=$(since_ms "$start")
	start=${EPOCHREALTIME/./}
	crash_sys "$work/gdb.vmcore" "$work/crash.gdb"
	crash_gdb_ms=$(since_ms "$start")
	gdb_bytes=$(stat -c %s "$work/gdb.vmcore")
	sample gdb_disk "$(($(stat -c %b "$work/gdb.vmcore") * $(stat -c %B "$work/gdb.vmcore") / 1048576))"
	rm "$work/gdb.vmcore"
	e2e=$(awk -v a="$mount_ms" -v b="$crash_ms" 'BEGIN { print (a + b) / 1000 }')
	e2e_gdb=$(awk -v a="$gdb_ms" -v b="$crash_gdb_ms" 'BEGIN { print (a + b) / 1000 }')
	sample e2e_mount "$mount_ms"
	sample e2e_crash "$(awk -v a="$crash_ms" 'BEGIN { print a / 1000 }')"
	sample e2e "$e2e"
	sample e2e_gdb_dump "$(awk -v a="$gdb_ms" 'BEGIN { print a / 1000 }')"
	sample e2e_gdb_crash "$(awk -v a="$crash_gdb_ms" 'BEGIN { print a / 1000 }')"
	sample e2e_gdb "$e2e_gdb"
	sample ratio_e2e "$(ratio "$e2e_gdb" "$e2e")"
	sample ratio_ready "$(ratio "$gdb_ms" "$mount_ms")"
	# Seconds per TiB at this run's rate of the gdb script.
	sample gdb_tib "$(awk -v b="$gdb_bytes" -v ms="$gdb_ms" 'BEGIN { print 2^40 / b * ms / 1000 }')"
done

# --- 5: the daemon's memory with the 1 TiB core (RssAnon: its own; RssFile: mapped page cache
# of the core, shared with the kernel's cache, so not counted against the target). ---
say "figure 5: daemon memory, 1 TiB guest"
status_mib() { awk -v f="$2:" '$1 == f { print $2 / 1024 }' "/proc/$1/status"; }
for ((i = 0; i < slow_runs; i++)); do
	timed_mount "$core_1t" >/dev/null
	pid=$(daemon_pid "$core_1t")
	sample rss_mount_hwm "$(status_mib "$pid" VmHWM)"
	sample rss_mount_anon "$(status_mib "$pid" RssAnon)"
	read -r p50 p99 < <("$work/randread" "$mnt/guest.vmcore" "$(stat -c %s "$mnt/guest.vmcore")" 20000)
	sample rand_1t_p50 "$p50"
	dd if="$mnt/guest.vmcore" of=/dev/null bs=1M count=1024 status=none
	sample rss_reads_hwm "$(status_mib "$pid" VmHWM)"
	sample rss_reads_anon "$(status_mib "$pid" RssAnon)"
	sample rss_reads_file "$(status_mib "$pid" RssFile)"
	unmount_core "$core_1t"
done

# --- The table. ---
cpu=$(awk -F': ' '$1 ~ /^model name/ && !n++ { print $2 }' /proc/cpuinfo)
ram=$(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
dev=$(findmnt -no SOURCE -T "$cache") fstype=$(findmnt -no FSTYPE -T "$cache")
disk=$(lsblk -dno NAME,SIZE,ROTA "$dev" 2>/dev/null | awk '{ print $1, $2, ($3 ? "rotational" : "non-rotational") }')
driver=$(basename "$(readlink -f "/sys/class/block/$(basename "$dev")/device/driver" 2>/dev/null)" 2>/dev/null || true)
readahead=$(cat "/sys/class/block/$(basename "$dev")/queue/read_ahead_kb" 2>/dev/null || echo '?')
echo "machine: nproc $(nproc), $cpu, $ram RAM, kernel $(uname -r), disk $disk ${driver:+($driver) }$fstype" \
	"read_ahead_kb $readahead,"
echo "         libfuse $(dpkg-query -W -f '${Version}' libfuse3-3), crash $(dpkg-query -W -f '${Version}' crash)," \
	"gdb $(dpkg-query -W -f '${Version}' gdb), QEMU ${qemu_version:-$qemu_dir}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: $runs (mount, --info, random), $seq_runs (sequential warm), $slow_runs (cold, crash, memory);" \
	"figures are median, min, max"
echo
printf '%-46s %9s %9s %9s  %-5s %-8s %s\n' figure median min max unit target verdict
echo '1. mount (vmcorefs CORE MNT until guest.vmcore reads), caches warm'
row '512 MiB guest: mount' mount_512m ms
row '512 MiB guest: --info' info_512m ms
row '512 MiB guest: debug info (uprobes)' debug_512m ms
row '512 MiB guest: mount beyond debug info' beyond_512m ms '<' 100
row '1 TiB guest: mount' mount_1t ms
row '1 TiB guest: --info' info_1t ms
row '1 TiB guest: debug info (uprobes)' debug_1t ms
row '1 TiB guest: mount beyond debug info' beyond_1t ms '<' 100
row 'ratio mount 1 TiB / 512 MiB' ratio_mount x '<' 1.5
row '512 MiB guest: mount, profile cached' mount_profile_512m ms
row '512 MiB guest: --info, profile cached' info_profile_512m ms
row '1 TiB guest: mount, profile cached' mount_profile_1t ms
row '1 TiB guest: --info, profile cached' info_profile_1t ms
row 'ratio mount with debug info / profile cached' ratio_profile x
row '512 MiB guest: mount, all caches dropped' cold_mount_512m ms
row '1 TiB guest: mount, all caches dropped' cold_mount_1t ms
echo '2. sequential dd bs=1M, 512 MiB guest.vmcore vs the same byte count of the core'
row 'core file, warm' seq_core MB/s
row 'guest.vmcore first read, core warm' seq_first MB/s
row 'ratio first read / core' ratio_first x '>=' 0.5
row 'guest.vmcore first read, --readahead=128' seq_first_128 MB/s
row 'ratio first read 1024 KiB / 128 KiB window' ratio_readahead x
row 'guest.vmcore second read (FUSE page cache)' seq_second MB/s
row 'ratio second read / core' ratio_second x '>=' 0.9
row 'core file, cold (drop_caches)' seq_cold_core MB/s
row 'guest.vmcore, cold (drop_caches)' seq_cold MB/s
row 'ratio cold / core cold' ratio_cold x '>=' 0.8
echo '3. random 4 KiB pread, 20000 distinct pages, fresh mount (FUSE misses)'
row 'guest.vmcore p50' rand_p50 us '<' 30
row 'guest.vmcore p99' rand_p99 us
row 'guest.vmcore p50, --readahead=128' rand_128_p50 us
row 'guest.vmcore p99, --readahead=128' rand_128_p99 us
row 'core file p50 (warm)' rand_core_p50 us
row 'core file p99 (warm)' rand_core_p99 us
row '1 TiB guest.vmcore p50 (holes, core not cached)' rand_1t_p50 us
echo "4. core to crash's sys, 512 MiB guest"
row 'vmcorefs: mount' e2e_mount ms
row 'vmcorefs: crash sys' e2e_crash s
row 'vmcorefs: total' e2e s
row 'gdb script: dump-guest-memory' e2e_gdb_dump s
row 'gdb script: crash sys' e2e_gdb_crash s
row 'gdb script: total' e2e_gdb s
row 'ratio total gdb script / vmcorefs' ratio_e2e x '>=' 5
row 'ratio vmcore ready: gdb dump / mount' ratio_ready x
row 'gdb script: extra disk (vmcorefs: none)' gdb_disk MiB
row 'gdb script at 1 TiB, projected from its rate' gdb_tib s
echo '5. daemon memory, 1 TiB guest (VmHWM includes mapped core pages)'
row 'after mount: VmHWM' rss_mount_hwm MiB
row 'after mount: RssAnon' rss_mount_anon MiB '<' 64
row 'after 20000 random reads + 1 GiB dd: VmHWM' rss_reads_hwm MiB
row 'after reads: RssAnon' rss_reads_anon MiB '<' 64
row 'after reads: RssFile (core page cache)' rss_reads_file MiB
row '--info peak RSS, 512 MiB guest (with DWARF)' info_rss_512m MiB
row '--info peak RSS, 1 TiB guest (with DWARF)' info_rss_1t MiB
echo '6. VMCOREINFO: time in find_vmcoreinfo (uprobes)'
row 'device present (panic, 512 MiB)' scan_512m ms
row 'device absent, scan finds it (512 MiB)' scan_novmci ms
row 'device absent, nothing to find (1 TiB)' scan_1t ms
row 'device absent (512 MiB): mount' mount_novmci ms
row 'device absent (512 MiB): --info' info_novmci ms
echo
echo "crash on vmcorefs's guest.vmcore: $(crash_verdict "$work/crash.vmcorefs")"
echo "crash on the gdb script's vmcore: $(crash_verdict "$work/crash.gdb")"
echo "1 TiB projection: $(awk -v g="$(stats gdb_tib)" -v m="$(stats mount_1t)" -v c="$(stats e2e_crash)" 'BEGIN {
	split(g, a, " "); split(m, b, " "); split(c, d, " ")
	printf "the gdb script %.1f h and 1 TiB of disk; vmcorefs %.0f ms to mount (measured) + crash %.1f s (its", a[1] / 3600, b[1], d[1]
	printf " 512 MiB time: crash reads only what it needs), no disk\n" }')"
echo "novmcoreinfo --info: $("$vmcorefs" --info "$core_novmci" | awk '/VMCOREINFO/ && !n++')"
echo "1 TiB core: $(stat -c %s "$core_1t") bytes, $(($(stat -c %b "$core_1t") * $(stat -c %B "$core_1t") / 1048576)) MiB on disk;" \
	"benchmark took $((SECONDS - bench_start)) s"
