#!/bin/bash
# vmcorefs under load and under signals, two binaries side by side (BEFORE and AFTER a change).
# For each binary, on the harness's kernel core of a scenario:
#  1. load: N = 16, then 64 threads of bench/stress_reader.c read random ranges (4 KiB .. 1 MiB,
#     random offsets inside guest.vmcore's PT_LOADs) for SECONDS each, every byte checked against
#     the same guest-physical range of QEMU's own vmcore of the same instant (the manifest's
#     reference); every read is a FUSE miss the daemon serves. Reads/s, MB/s, errors by errno,
#     wrong bytes, the daemon's CPU time and memory (/proc/PID/status).
#  2. signals, 5 times: 16 readers; after 2 s SIGTERM to the daemon; how long until the mount is
#     gone and the daemon has exited, how each reader's last read ended (short, ENOTCONN, EIO,
#     other), wrong bytes, and whether a mount was left behind.
# Page caches are dropped (root) before each binary's first phase so that both start cold.
# Prints figures (median, min, max; the ratio AFTER / BEFORE of the medians), never asserts
# them: the exit status says only whether the benchmark could run. A wrong byte is printed in
# detail (thread, seed, read number, offset) but does not change the exit status either.
# Usage: bench/stress.sh MANIFEST BEFORE AFTER [SECONDS]   (SECONDS per load phase, default 20)
# MANIFEST: a scenario's manifest from tests/harness/make-scenario.sh (kernel_core=, reference=).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
say() { echo "stress: $*" >&2; }
usage() { say "usage: bench/stress.sh MANIFEST BEFORE AFTER [SECONDS]"; exit 1; }
{ [ $# -ge 3 ] && [ $# -le 4 ]; } || usage
manifest=$1 seconds=${4:-20}
signal_runs=5 signal_readers=16 signal_after=2 # SIGTERM 2 s into each signal run
[[ $seconds =~ ^[1-9][0-9]*$ ]] || usage
[ -r "$manifest" ] || { say "cannot read $manifest"; exit 1; }
value() { sed -n "s/^$1=//p" "$manifest"; }
core=$(value kernel_core) reference=$(value reference)
{ [ -r "$core" ] && [ -r "$reference" ]; } || { say "$manifest: no readable kernel_core= and reference="; exit 1; }
before=$(realpath "$2") after=$(realpath "$3")
{ [ -x "$before" ] && [ -x "$after" ]; } || { say "BEFORE and AFTER must be vmcorefs binaries"; exit 1; }
bench_start=$SECONDS load_start=$(cut -d' ' -f1-3 /proc/loadavg)

work=$(mktemp -d /tmp/vmcorefs-stress.XXXXXX)
mnt=$work/mnt
mkdir "$mnt" "$work/samples"
reader= # the running stress_reader, killed on the way out
# Every exit path: readers first (an open file keeps a FUSE mount busy), then the mount (lazily
# if it is still busy), then the scratch directory; whether a mount of ours is left is said.
cleanup() {
	[ -z "$reader" ] || { kill -KILL "$reader" 2>/dev/null; wait "$reader" 2>/dev/null; } || true
	if mounted; then fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" || true; fi
	if findmnt -rn -t fuse.vmcorefs -o TARGET | grep -qxF "$mnt"; then
		say "a mount is left on $mnt: fusermount3 -uz $mnt"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# Whether $mnt is a mount point, from the mount table: stat on a mount whose daemon is gone
# fails, so mountpoint(1) would say no while the mount is still there.
mounted() {
	local _id _parent _dev _root point _rest
	while read -r _id _parent _dev _root point _rest; do
		[ "$point" != "$mnt" ] || return 0
	done </proc/self/mountinfo
	return 1
}
# Sleeps without forking: a read from a FIFO that nobody writes, cut off by its timeout.
mkfifo "$work/never"
exec {never}<>"$work/never"
nap() { read -r -t "$1" -u "$never" _ || true; }
# Whether PID has exited (a zombie counts: it serves nothing and holds no mount).
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null)" = Z ]; }
status_mib() { awk -v f="$2:" '$1 == f { print $2 / 1024 }' "/proc/$1/status" 2>/dev/null || true; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; } # utime + stime
# Waits for the reader, killing it after LIMIT seconds (a read that never returns).
wait_reader() {
	local limit=$1 start=$SECONDS status=0
	while kill -0 "$reader" 2>/dev/null && ((SECONDS - start < limit)); do nap 0.2; done
	if kill -0 "$reader" 2>/dev/null; then
		say "stress_reader still running after $limit s: killed (a read never returned?)"
		kill -KILL "$reader"
	fi
	wait "$reader" || status=$?
	reader=
	[ "$status" -eq 0 ] || { cat "$work/reader.err" >&2; say "stress_reader failed ($status)"; exit 1; }
}
# The reader's key=value line into r[]; its wrong-read descriptions kept for the end.
declare -A r
parse() {
	local kv
	r=()
	for kv in $(<"$work/reader.out"); do r[${kv%%=*}]=${kv#*=}; done
	[ -n "${r[reads]:-}" ] || { say "stress_reader printed nothing"; exit 1; }
	if [ -s "$work/reader.err" ]; then sed "s/^/$1: /" "$work/reader.err" >>"$work/wrong.log"; fi
}
errno_count() { tr , '\n' <<<"${r[errno]}" | awk -F: -v e="$1" '$1 == e { n += $2 } END { print n + 0 }'; }
# Adds one run's count of each errno to "LABEL|ERRNO|COUNT" lines, summed under the table.
errnos_note() { tr , '\n' <<<"${r[errno]}" | awk -F: -v s="$1" 'NF == 2 { print s "|" $1 "|" $2 }' >>"$work/errnos"; }

cc -O2 -Wall -pthread -o "$work/stress_reader" "$here/stress_reader.c"
caches="not dropped (not root)"
if [ "$(id -u)" -eq 0 ]; then caches="dropped before each binary's first phase (drop_caches 3)"; fi

# --- 1: load on one mount, 16 then 64 readers. ---
load_phase() {
	local side=$1 n pid cpu0 hwm anon file peak_anon peak_file
	[ "$(id -u)" -ne 0 ] || drop_caches
	timed_mount "$core" >/dev/null
	pid=$(daemon_pid "$core")
	for n in 16 64; do
		say "$side: $n readers, $seconds s"
		cpu0=$(cpu_ticks "$pid") peak_anon=0 peak_file=0
		"$work/stress_reader" "$mnt/guest.vmcore" "$reference" "$n" "$seconds" \
			>"$work/reader.out" 2>"$work/reader.err" &
		reader=$!
		# The daemon's memory twice a second while the readers run: RssAnon and RssFile have
		# no high-water mark of their own (VmHWM is their sum's).
		while kill -0 "$reader" 2>/dev/null; do
			anon=$(status_mib "$pid" RssAnon) file=$(status_mib "$pid" RssFile)
			peak_anon=$(awk -v a="$anon" -v b="$peak_anon" 'BEGIN { print (a > b ? a : b) }')
			peak_file=$(awk -v a="$file" -v b="$peak_file" 'BEGIN { print (a > b ? a : b) }')
			nap 0.5
		done
		wait_reader $((seconds + 60))
		parse "$side, $n readers"
		hwm=$(status_mib "$pid" VmHWM)
		! gone "$pid" || { say "$side: the daemon died under load"; exit 1; }
		sample "${side}_rps_$n" "${r[reads_per_s]}"
		sample "${side}_mbps_$n" "${r[mb_per_s]}"
		tr , '\n' <<<"${r[mb_per_s_each]}" >>"$work/samples/${side}_mbps_each_$n"
		sample "${side}_errors_$n" "${r[errors]}"
		sample "${side}_short_$n" "${r[short]}"
		sample "${side}_wrong_$n" "${r[wrong_reads]}"
		sample "${side}_wrong_bytes_$n" "${r[wrong_bytes]}"
		sample "${side}_unchecked_$n" "${r[unchecked_bytes]}"
		errnos_note "$side, $n readers"
		# Daemon CPU (user + system) per GB served: the cost of a READ, whatever the load.
		awk -v t=$(($(cpu_ticks "$pid") - cpu0)) -v hz="$(getconf CLK_TCK)" -v b="${r[bytes]}" \
			-v s="${r[seconds]}" 'BEGIN { print t / hz / s * 100, t / hz / (b / 1e9) }' |
			{ read -r busy per_gb; sample "${side}_cpu_busy_$n" "$busy"; sample "${side}_cpu_gb_$n" "$per_gb"; }
		sample "${side}_reader_cpu_$n" "$(awk -v c="${r[cpu_seconds]}" -v s="${r[seconds]}" 'BEGIN { print c / s * 100 }')"
		[ -z "$hwm" ] || sample "${side}_hwm_$n" "$hwm"
		sample "${side}_anon_$n" "$peak_anon"
		sample "${side}_file_$n" "$peak_file"
	done
	unmount_core "$core"
}

# --- 2: SIGTERM to the daemon under 16 readers, signal_runs times. ---
signal_phase() {
	local side=$1 i pid start gone_ms exit_ms eio enotconn
	for ((i = 1; i <= signal_runs; i++)); do
		say "$side: SIGTERM under $signal_readers readers, run $i of $signal_runs"
		timed_mount "$core" >/dev/null
		pid=$(daemon_pid "$core")
		"$work/stress_reader" --until-failure "$mnt/guest.vmcore" "$reference" "$signal_readers" 30 \
			>"$work/reader.out" 2>"$work/reader.err" &
		reader=$!
		nap "$signal_after"
		start=${EPOCHREALTIME/./} gone_ms='' exit_ms=''
		kill -TERM "$pid"
		# Both polled every 2 ms for at most 10 s; whichever comes first is timed first.
		while [ -z "$gone_ms" ] || [ -z "$exit_ms" ]; do
			[ -n "$gone_ms" ] || mounted || gone_ms=$(since_ms "$start")
			[ -n "$exit_ms" ] || ! gone "$pid" || exit_ms=$(since_ms "$start")
			((${EPOCHREALTIME/./} - start < 10000000)) || break
			nap 0.002
		done
		wait_reader 60
		parse "$side, SIGTERM run $i"
		# What is left: the mount (then unmounted here, for the next run) or the daemon.
		if mounted; then
			sample "${side}_left" 1
			fusermount3 -uz "$mnt" || true
		else
			sample "${side}_left" 0
		fi
		[ -n "$gone_ms" ] && sample "${side}_gone_ms" "$gone_ms"
		if [ -n "$exit_ms" ]; then
			sample "${side}_exit_ms" "$exit_ms"
			sample "${side}_alive" 0
		else
			say "$side: daemon $pid still running 10 s after SIGTERM"
			sample "${side}_alive" 1
		fi
		enotconn=$(errno_count ENOTCONN) eio=$(errno_count EIO)
		sample "${side}_sig_reads" "${r[reads]}"
		sample "${side}_sig_short" "${r[short]}"
		sample "${side}_sig_enotconn" "$enotconn"
		sample "${side}_sig_eio" "$eio"
		sample "${side}_sig_other" $((r[errors] - enotconn - eio))
		sample "${side}_sig_none" $((signal_readers - r[failed]))
		sample "${side}_sig_wrong" "${r[wrong_reads]}"
		errnos_note "$side, SIGTERM"
		while ! gone "$pid"; do nap 0.1; done # the next run must not share the CPUs with it
	done
}

for side in before after; do
	# shellcheck disable=SC2034 # what lib.sh's timed_mount, daemon_pid and unmount_core run
	vmcorefs=${!side}
	load_phase "$side"
	signal_phase "$side"
done

# --- The table. ---
# "median min max count" of a figure's samples, or nothing when it has none.
stats_n() {
	[ -s "$work/samples/$1" ] || return 0
	sort -g "$work/samples/$1" | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR], NR }'
}
# One row: LABEL FIGURE UNIT: BEFORE's and AFTER's median, min, max (a figure measured once
# shows its value alone) and the ratio of the medians, AFTER / BEFORE.
row2() {
	awk -v label="$1" -v unit="$3" -v b="$(stats_n "before_$2")" -v a="$(stats_n "after_$2")" '
		function f(x) {
			return x == int(x) ? sprintf("%d", x) : x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x)
		}
		function cols(s, v) {
			if (s == "") return sprintf("%9s %9s %9s", "n/a", "", "")
			split(s, v, " ")
			return v[4] == 1 ? sprintf("%9s %9s %9s", f(v[1]), "", "") : sprintf("%9s %9s %9s", f(v[1]), f(v[2]), f(v[3]))
		}
		BEGIN {
			split(b, x, " "); split(a, y, " ")
			ratio = b != "" && a != "" && x[1] != 0 ? sprintf("%.2f", y[1] / x[1]) : ""
			printf "%-42s %s  %s %6s  %s\n", label, cols(b), cols(a), ratio, unit
		}'
}
cpu=$(awk -F': ' '$1 ~ /^model name/ && !n++ { print $2 }' /proc/cpuinfo)
ram=$(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
binary() { echo "$1 ($(stat -c %s "$1") bytes, built $(date -u -r "$1" '+%F %H:%M UTC'))"; }
echo "machine: nproc $(nproc), $cpu, $ram RAM, kernel $(uname -r), libfuse $(dpkg-query -W -f '${Version}' libfuse3-3 2>/dev/null || echo '?'),"
echo "         load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (this run's readers count in it)"
echo "before:  $(binary "$before")"
echo "after:   $(binary "$after")"
echo "core:    $core ($(stat -c %s "$core") bytes), reference $reference ($(stat -c %s "$reference") bytes)"
echo "page caches: $caches; $seconds s per load phase; $signal_runs signal runs; benchmark took $((SECONDS - bench_start)) s"
echo
printf '%-42s %9s %9s %9s  %9s %9s %9s %6s  %s\n' figure before min max after min max a/b unit
for n in 16 64; do
	echo "1. load: $n readers, random 4 KiB..1 MiB preads, each a FUSE miss, each byte checked"
	row2 'reads/s (whole phase)' "rps_$n" 'reads/s'
	row2 'MB/s (whole phase)' "mbps_$n" MB/s
	row2 'MB/s, each second' "mbps_each_$n" MB/s
	row2 'errors (any errno)' "errors_$n" reads
	row2 'short reads' "short_$n" reads
	row2 'WRONG reads (must be 0)' "wrong_$n" reads
	row2 'WRONG bytes (must be 0)' "wrong_bytes_$n" bytes
	row2 'bytes not in the reference (unchecked)' "unchecked_$n" bytes
	row2 'daemon CPU (user + system)' "cpu_busy_$n" '% of 1 CPU'
	row2 'daemon CPU per GB served' "cpu_gb_$n" s/GB
	row2 "readers' CPU (pread, check, evict)" "reader_cpu_$n" '% of 1 CPU'
	row2 'daemon VmHWM after the phase (cumulative)' "hwm_$n" MiB
	row2 'daemon RssAnon, peak of 2/s samples' "anon_$n" MiB
	row2 'daemon RssFile, peak of 2/s samples' "file_$n" MiB
done
echo "2. SIGTERM to the daemon, $signal_readers readers reading, $signal_runs runs (per run: readers by how their last read ended)"
row2 'SIGTERM until the mount is gone' gone_ms ms
row2 'SIGTERM until the daemon has exited' exit_ms ms
row2 'reads checked per run (2 s + shutdown)' sig_reads reads
row2 'readers ended by a short read' sig_short readers
row2 'readers ended by ENOTCONN' sig_enotconn readers
row2 'readers ended by EIO' sig_eio readers
row2 'readers ended by another errno' sig_other readers
row2 'readers never failed (30 s cap)' sig_none readers
row2 'WRONG reads (must be 0)' sig_wrong reads
row2 'mount left behind after a run (must be 0)' left mounts
row2 'daemon alive 10 s after SIGTERM (must be 0)' alive runs
echo
echo "errors by errno, summed over each phase's runs:"
if [ -s "$work/errnos" ]; then
	awk -F'|' '{ n[$1 ": " $2] += $3 } END { for (k in n) print "  " k, n[k] }' "$work/errnos" | sort
else
	echo "  none"
fi
if [ -s "$work/wrong.log" ]; then
	echo "WRONG reads, as the readers described them (reproduce: same binary, same seed per thread):"
	cat "$work/wrong.log"
else
	echo "wrong reads: none (every byte returned matched the reference)"
fi
ours=$(findmnt -rn -t fuse.vmcorefs -o TARGET | grep -cF "$work" || true)
echo "fuse.vmcorefs mounts of this run left: $ours (findmnt -t fuse.vmcorefs: $(findmnt -rn -t fuse.vmcorefs | wc -l) in all, others' included)"
