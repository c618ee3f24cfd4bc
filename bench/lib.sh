# Helpers for run.sh (sourced): samples and their statistics, the table, mounts, uprobes.
# Expects $work (scratch directory), $mnt (mount point) and $vmcorefs (the binary) to be set.

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

# The daemon serving $mnt for CORE: the process whose argv is exactly "$vmcorefs CORE $mnt".
daemon_pid() {
	local p args
	for p in /proc/[0-9]*; do
		mapfile -d '' args <"$p/cmdline" 2>/dev/null || continue
		[ "${args[*]}" = "$vmcorefs $1 $mnt" ] && { echo "${p#/proc/}"; return 0; }
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

# Mounts CORE and reads the ELF magic of guest.vmcore: done = readable. Prints the milliseconds.
timed_mount() {
	local start=${EPOCHREALTIME/./} magic
	"$vmcorefs" "$1" "$mnt"
	read -r -N 4 magic <"$mnt/guest.vmcore"
	since_ms "$start"
	[ "$magic" = $'\x7fELF' ] || { echo "bench: $mnt/guest.vmcore is not ELF" >&2; return 1; }
}

drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches; }

# --- Uprobes: how long a run spends in given functions of vmcorefs (perf, tracefs). ---

probe_group=vmcorefs_bench

# Adds an entry and a return probe on each function named (a demangled prefix, e.g.
# "vmcorefs::load_guest("), as events f0, f0__return, f1, ... A function missing from the
# binary (renamed, inlined) gets no probe, and its durations read as empty.
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

# Runs COMMAND under perf and prints, per probed function f0, f1, ..., the milliseconds spent
# in it (summed over calls), space-separated; "-" for a function never seen.
probed_ms() {
	local count=$1
	shift
	rm -f "$work/perf.data"
	perf record -q -o "$work/perf.data" -e "$probe_group:*" -- "$@" >/dev/null 2>&1 || true
	perf script -i "$work/perf.data" -F time,event 2>/dev/null | awk -v count="$count" '
		{ t = $1 + 0; e = $2; sub(/:$/, "", e); sub(/^[^:]*:/, "", e) }
		e ~ /__return$/ { sub(/__return$/, "", e); total[e] += t - start[e]; seen[e] = 1; next }
		{ start[e] = t }
		END { for (i = 0; i < count; i++) printf "%s%s", i ? " " : "", ("f" i) in seen ? sprintf("%.3f", total["f" i] * 1000) : "-"; print "" }'
}
