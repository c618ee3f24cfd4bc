# shellcheck shell=bash disable=SC2154 # $here and $cache are the sourcing script's
# Helpers for run.sh, live.sh and sequential.sh (sourced): set-up, samples and their statistics,
# the table, mounts, uprobes. Expects $here (bench/) and $cache; bench_setup sets $work (scratch directory),
# $mnt (mount point) and $vmcorefs (the binary) for the rest.

# --- Set-up: the binary under test and the scratch space. ---

# Sets $vmcorefs (VMCOREFS, else a fresh Release build of this checkout) and makes $work (a new
# directory NAME.XXXXXX under $cache) with $mnt and the samples directory in it.
bench_setup() {
	if [ -z "${VMCOREFS:-}" ]; then
		local build=/tmp/bench-build
		cmake -S "$here/.." -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
		ninja -C "$build" vmcorefs >/dev/null
		VMCOREFS=$build/fs/vmcorefs
	fi
	vmcorefs=$(realpath "$VMCOREFS")
	# Every figure measures a walk with QEMU's debug info unless it sets a profile cache itself.
	export VMCOREFS_PROFILE_CACHE=
	mkdir -p "$cache"
	work=$(mktemp -d "$cache/$1.XXXXXX")
	mnt=$work/mnt
	mkdir "$mnt" "$work/samples"
}

# --- Samples: one file per figure under $work/samples, one number a line. ---

sample() { echo "$2" >>"$work/samples/$1"; }

# Milliseconds since START (microseconds from ${EPOCHREALTIME/./}), read without forking first.
since_ms() {
	local end=${EPOCHREALTIME/./}
	awk -v d=$((end - $1)) 'BEGIN { printf "%.3f\n", d / 1000 }'
}

# "median min max" of a figure's samples, or nothing when it has none.
stats() {
	[ -s "$work/samples/$1" ] || return 0
	sort -g "$work/samples/$1" | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'
}

# One table row: LABEL FIGURE UNIT [OP LIMIT], OP being < or >=. The verdict compares the
# median with the target; it is printed, never enforced.
row() {
	local label=$1 figure=$2 unit=$3 op=${4:-} limit=${5:-}
	stats "$figure" | awk -v label="$label" -v unit="$unit" -v op="$op" -v limit="$limit" '
		function f(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
		{
			verdict = op == "" ? "" : (op == "<" ? $1 < limit : $1 >= limit) ? "met" : "MISSED"
			target = op == "" ? "" : op " " limit
			printf "%-46s %9s %9s %9s  %-5s %-8s %s\n", label, f($1), f($2), f($3), unit, target, verdict
		}
		END { if (NR == 0) printf "%-46s %9s\n", label, "n/a" }'
}

# --- Mounts. ---

# The daemon serving $mnt for CORE: the process whose argv is "$vmcorefs [OPTION...] CORE $mnt".
daemon_pid() {
	local p args
	for p in /proc/[0-9]*; do
		mapfile -d '' args <"$p/cmdline" 2>/dev/null || continue
		[ "${#args[@]}" -ge 3 ] && [ "${args[0]}" = "$vmcorefs" ] &&
			[ "${args[*]: -2}" = "$1 $mnt" ] && { echo "${p#/proc/}"; return 0; }
	done
	return 1
}

# Unmounts CORE from $mnt and waits (at most 10 s) for its daemon to exit, so that the next
# measurement does not share the CPUs with it and daemon_pid cannot find a stale one.
unmount_core() {
	local pid i
	pid=$(daemon_pid "$1") || pid=
	fusermount3 -u "$mnt"
	for ((i = 0; i < 100; i++)); do
		[ -n "$pid" ] && [ -e "/proc/$pid" ] || return 0
		sleep 0.1
	done
	echo "bench: daemon $pid still running 10 s after unmounting" >&2
	return 1
}

# Mounts CORE (with OPTIONs) and reads the ELF magic of guest.vmcore: done = readable. Prints the
# milliseconds and the PID of the daemon, the child the mount command forks first, which loads the
# guest and serves (the uprobes on loading fire in it).
timed_mount() {
	local start=${EPOCHREALTIME/./} magic ms
	"$vmcorefs" "${@:2}" "$1" "$mnt" >/dev/null 2>"$work/vmcorefs.log" ||
		{ cat "$work/vmcorefs.log" >&2; return 1; }
	read -r -N 4 magic <"$mnt/guest.vmcore"
	ms=$(since_ms "$start")
	echo "$ms $(daemon_pid "$1")"
	[ "$magic" = $'\x7fELF' ] || { echo "bench: $mnt/guest.vmcore is not ELF" >&2; return 1; }
}

# Runs vmcorefs --info CORE. Prints the milliseconds and its PID.
timed_info() {
	local start=${EPOCHREALTIME/./} pid
	"$vmcorefs" --info "$1" >/dev/null 2>"$work/vmcorefs.log" &
	pid=$!
	wait "$pid" || { cat "$work/vmcorefs.log" >&2; return 1; }
	echo "$(since_ms "$start") $pid"
}

drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches; }

# --- Uprobes: how long each vmcorefs process spends in given functions (perf, tracefs). ---

probe_group=vmcorefs_bench perf_pid=

# Adds an entry and a return probe on each function named (a demangled prefix, e.g.
# "vmcorefs::load_guest("), as events f0, f0__return, f1, ... A function missing from the
# binary (renamed, inlined) gets no probe, and its durations read as "-".
probes_add() {
	local i=0 name addr
	for name; do
		addr=$(nm -C "$vmcorefs" | awk -v n="$name" \
			'$2 ~ /^[Tt]$/ && index(substr($0, 20), n) == 1 && !/\[clone/ && !found++ { print "0x" $1 }')
		if [ -n "$addr" ]; then
			perf probe -q -x "$vmcorefs" -a "$probe_group:f$i=$addr" &&
				perf probe -q -x "$vmcorefs" -a "$probe_group:f$i=$addr%return" ||
				echo "bench: cannot probe $name" >&2
		else
			echo "bench: no function $name in $vmcorefs: its time is not measured" >&2
		fi
		i=$((i + 1))
	done
}

probes_delete() { perf probe -q -d "$probe_group:*" 2>/dev/null || true; }

# Records the probes system-wide (they fire only in $vmcorefs) from when perf acknowledges
# that its events are on: the measured runs themselves need no perf start-up of their own.
probes_start() {
	local ack
	mkfifo "$work/perf.ctl" "$work/perf.ack"
	exec {perf_ctl}<>"$work/perf.ctl" {perf_ack}<>"$work/perf.ack" # <>: opening never blocks
	perf record -q -a -D -1 --control "fifo:$work/perf.ctl,$work/perf.ack" -e "$probe_group:*" \
		-o "$work/perf.data" >"$work/perf.log" 2>&1 &
	perf_pid=$!
	echo enable >&"$perf_ctl"
	read -r -t 30 -u "$perf_ack" ack && [ "$ack" = ack ] ||
		{ cat "$work/perf.log" >&2; echo "bench: perf record did not start" >&2; return 1; }
}

# Stops recording and writes $work/probes: per process, "PID MS0 MS1 ...", MSi the
# milliseconds spent in function fi (summed over calls) or "-" when it never ran.
probes_stop() {
	local count=$1
	kill -INT "$perf_pid"
	wait "$perf_pid" || true
	perf_pid=
	exec {perf_ctl}>&- {perf_ack}>&-
	perf script -i "$work/perf.data" -F pid,time,event 2>/dev/null | awk -v count="$count" '
		{ pid = $1; t = $2 + 0; e = $3; sub(/:$/, "", e); sub(/^[^:]*:/, "", e); pids[pid] = 1 }
		e ~ /__return$/ { sub(/__return$/, "", e); total[pid, e] += t - start[pid, e]; seen[pid, e] = 1; next }
		{ start[pid, e] = t }
		END {
			for (pid in pids) {
				line = pid
				for (i = 0; i < count; i++)
					line = line " " ((pid, "f" i) in seen ? sprintf("%.3f", total[pid, "f" i] * 1000) : "-")
				print line
			}
		}' >"$work/probes"
}

# The durations probes_stop found for PID, without the PID.
probe_ms() { awk -v pid="$1" '$1 == pid { $1 = ""; print substr($0, 2) }' "$work/probes"; }
