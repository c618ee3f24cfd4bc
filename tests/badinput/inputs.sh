# shellcheck shell=bash disable=SC2154 # $scenarios, $work and $here are the sourcer's
# The makers of real bad input that the badinput scripts share (bash; sourced after
# tests/prelude.sh, with $scenarios, the harness's scenario directory, and $here set): copies of
# the harness's QEMU cores to damage, QEMU's variables as gdb reads them, a core of `sleep`.

# The harness scenario's manifest value KEY.
scenario_value() { manifest_value "$scenarios/$1/manifest" "$2"; }
# A sparse copy of the kernel core of a scenario (default: panic), to damage.
copy_qemu_core() {
	local scenario=${1:-panic}
	src=$(scenario_value "$scenario" kernel_core)
	[ -n "$src" ] || fail "the $scenario scenario has no kernel core"
	qemu=$(scenario_value "$scenario" qemu)
	core=$work/kernel.core
	cp --sparse=always "$src" "$core"
}
# The value of a C expression over QEMU's variables in the core, as gdb (not vmcorefs) reads it.
gdb_value() {
	local out
	out=$(timeout 120 gdb -nx -batch -iex 'set debuginfod enabled off' "$qemu" "$core" \
		-ex "printf \"=%#lx\\n\", (unsigned long)($1)" 2>&1) || fail "gdb cannot evaluate $1: $out"
	out=$(sed -n 's/^=//p' <<<"$out")
	[ -n "$out" ] || fail "gdb printed no value for $1"
	echo "$out"
}
# A core of `sleep` taken by the kernel (SIGABRT) when core_pattern writes a file into the working
# directory, else by gdb's gcore.
sleep_core() {
	local pattern pid status=0
	core=$work/sleep.core
	pattern=$(cat /proc/sys/kernel/core_pattern)
	if [[ $pattern == *[/%\|]* ]] || ! (ulimit -c unlimited) 2>/dev/null; then
		sleep 60 &
		pid=$!
		track_process $pid
		timeout 60 gdb -nx -batch -iex 'set debuginfod enabled off' -p $pid -ex "gcore $core" \
			>"$work/gdb.log" 2>&1 || { cat "$work/gdb.log" >&2; fail "gcore of sleep failed"; }
		kill $pid
		wait $pid 2>/dev/null || true
		return
	fi
	# A subshell, so that this shell prints no "Aborted (core dumped)".
	(cd "$work" && ulimit -c unlimited && exec sleep 60) &
	pid=$!
	track_process $pid
	sleep 0.2
	kill -ABRT $pid
	wait $pid 2>/dev/null || status=$?
	[ $status -eq 134 ] || fail "sleep exited with $status after SIGABRT"
	mv "$work/$pattern.$pid" "$core" 2>/dev/null || mv "$work/$pattern" "$core" ||
		fail "no core of sleep in $work (core_pattern '$pattern')"
}
variants() {
	local qemu_bin
	qemu_bin=$(scenario_value panic qemu)
	variants=$("$here/../debuginfo/make-variants.sh" "$qemu_bin")/variants
	[ -f "$variants" ] || fail "make-variants.sh left no $variants"
}
variant() { sed -n "s/^$1=//p" "$variants"; }
# "OFFSET VADDR FILESZ" of the PT_LOAD of CORE that maps host address ADDRESS.
load_holding() {
	local address=$(($2)) offset vaddr filesz memsz
	while read -r offset vaddr filesz memsz; do
		if ((vaddr <= address && address < vaddr + memsz)); then
			echo "$offset $vaddr $filesz"
			return
		fi
	done < <(readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3, $5, $6 }')
	fail "no PT_LOAD of $1 maps $2"
}

