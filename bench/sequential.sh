#!/bin/bash
# Whole-file readers of guest.vmcore (cp, makedumpfile, --compare of a copy), one or more vmcorefs
# binaries side by side on the kernel core of a harness scenario, copied so that it is data
# throughout (as a busy guest's core is). Per run, the binaries interleaved:
#  1. `dd bs=1M` of all of guest.vmcore on a fresh mount, the core's pages cached: a first read
#     (the daemon serves every READ) and a second (the mount's own page cache), against `dd` of the
#     same byte count of the core itself, back to back; and the daemon's CPU time for the first
#     read, in vmcorefs's own code (user) and in the kernel (system: above all its copy of each
#     READ's reply into the mount's page cache), per GiB read;
#  2. the same first read with every page cache dropped, against `dd` of the core from disk;
#     and how much the page cache grew (Cached in /proc/meminfo) for it, against guest.vmcore's size:
#     1.0 is the bytes cached once, 2.0 cached twice (the core's pages and the mount's);
#  3. random 4 KiB reads (bench/randread.c) on a fresh mount, p50 and p99.
# Prints the median, min and max of each figure and of each ratio (computed within a run), never
# asserts them: the exit status says only whether the benchmark could run.
# Usage: bench/sequential.sh MANIFEST LABEL=BINARY[,OPTION...] ...   as root (drop_caches)
# e.g. bench/sequential.sh build/scenarios/panic-bigmem/manifest before=/tmp/a/vmcorefs \
#          after=build/fs/vmcorefs kept=build/fs/vmcorefs,--keep-core-cache
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
cache=${VMCOREFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcorefs}/bench
runs=${RUNS:-5}
say() { echo "sequential: $*" >&2; }
[ $# -ge 2 ] || { say "usage: bench/sequential.sh MANIFEST LABEL=BINARY[,OPTION...] ..."; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "needs root (drop_caches)"; exit 1; }
manifest=$1
shift
core_src=$(sed -n 's/^kernel_core=//p' "$manifest")
[ -r "$core_src" ] || { say "$manifest names no readable kernel_core"; exit 1; }

labels=() binaries=() options=()
for variant in "$@"; do
	label=${variant%%=*} rest=${variant#*=}
	IFS=, read -r -a parts <<<"$rest"
	[ -x "${parts[0]}" ] || { say "$label: ${parts[0]} is not an executable"; exit 1; }
	labels+=("$label") binaries+=("$(realpath "${parts[0]}")") options+=("${parts[*]:1}")
done

mkdir -p "$cache"
work=$(mktemp -d "$cache/sequential.XXXXXX")
mnt=$work/mnt
mkdir "$mnt" "$work/samples"
cleanup() {
	if grep -q " $mnt " /proc/self/mounts; then fusermount3 -u "$mnt" || fusermount3 -uz "$mnt"; fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
export VMCOREFS_PROFILE_CACHE=

say "copying $core_src without holes"
core=$work/core
cp --sparse=never "$core_src" "$core"
cc -O2 -Wall -o "$work/randread" "$here/randread.c"

cached_kib() { awk '/^Cached:/ { print $2 }' /proc/meminfo; }
# MB/s (10^6 bytes) of dd's copy to /dev/null: "BYTES bytes ... copied, SECONDS s, ...".
rate() { dd if="$1" of=/dev/null bs=1M "${@:2}" 2>&1 | awk '/copied/ { printf "%.0f\n", $1 / $(NF-3) / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a / b }'; }
mount_variant() {
	# shellcheck disable=SC2086 # the variant's options, one per word
	"${binaries[$1]}" ${options[$1]} "$core" "$mnt"
}
# The daemon serving the mount, by its arguments.
daemon() { pgrep -f -- " $core $mnt\$"; }
# The daemon's user and system CPU time so far, in clock ticks.
daemon_ticks() { awk '{ print $14, $15 }' "/proc/$(daemon)/stat"; }
# Milliseconds per GiB of guest.vmcore for TICKS.
ms_per_gib() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$size" 'BEGIN { printf "%.1f\n", t * 1000 / hz / (n / 2^30) }'; }
unmount() {
	fusermount3 -u "$mnt"
	while daemon >/dev/null; do sleep 0.1; done
}

# The binaries' indices for run RUN, each run starting with the next: on a virtual machine the
# first to read after the core was read in can pay for memory its host has to hand back (one
# binary's first reads of a 6 GiB guest, two mounts back to back: 651 then 3459 MB/s).
turns() { for ((k = 0; k < ${#labels[@]}; k++)); do echo $(((k + $1) % ${#labels[@]})); done; }

size=
for ((run = 1; run <= runs; run++)); do
	say "run $run of $runs"
	# 1. Warm: the core's pages cached.
	cat "$core" >/dev/null
	for i in $(turns "$run"); do
		mount_variant "$i"
		size=$(stat -c %s "$mnt/guest.vmcore")
		blocks=$(((size + 1048575) / 1048576))
		core_warm=$(rate "$core" count="$blocks")
		read -r user0 system0 < <(daemon_ticks)
		first=$(rate "$mnt/guest.vmcore")
		read -r user1 system1 < <(daemon_ticks)
		second=$(rate "$mnt/guest.vmcore")
		unmount
		sample "$i.user" "$(ms_per_gib $((user1 - user0)))"
		sample "$i.system" "$(ms_per_gib $((system1 - system0)))"
		sample "$i.first" "$first"
		sample "$i.second" "$second"
		sample "$i.first_ratio" "$(ratio "$first" "$core_warm")"
		sample "$i.second_ratio" "$(ratio "$second" "$core_warm")"
		sample core_warm "$core_warm"
	done
	# 2. Cold.
	for i in $(turns "$run"); do
		drop_caches
		core_cold=$(rate "$core" count="$blocks")
		drop_caches
		mount_variant "$i"
		before=$(cached_kib)
		cold=$(rate "$mnt/guest.vmcore")
		after=$(cached_kib)
		unmount
		sample core_cold "$core_cold"
		sample "$i.cold" "$cold"
		sample "$i.cold_ratio" "$(ratio "$cold" "$core_cold")"
		sample "$i.cache" "$(ratio "$(((after - before) * 1024))" "$size")"
	done
	# 3. Random.
	for i in $(turns "$run"); do
		mount_variant "$i"
		read -r p50 p99 < <("$work/randread" "$mnt/guest.vmcore" "$size" 20000)
		unmount
		sample "$i.p50" "$p50"
		sample "$i.p99" "$p99"
	done
done

echo "machine: nproc $(nproc), $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "core: $core_src ($(stat -c %s "$core") bytes, copied without holes); guest.vmcore $size bytes"
for i in "${!labels[@]}"; do
	echo "${labels[$i]}: ${binaries[$i]} ${options[$i]}"
done
echo "runs: $runs; figures are median, min, max"
printf '%-46s %9s %9s %9s  %s\n' figure median min max unit
row "core file, warm" core_warm MB/s
row "core file, cold" core_cold MB/s
for i in "${!labels[@]}"; do
	l=${labels[$i]}
	row "$l: first read, core warm" "$i.first" MB/s
	row "$l: ratio first read / core warm" "$i.first_ratio" x
	row "$l: first read, daemon CPU in vmcorefs" "$i.user" ms/GiB
	row "$l: first read, daemon CPU in the kernel" "$i.system" ms/GiB
	row "$l: second read" "$i.second" MB/s
	row "$l: ratio second read / core warm" "$i.second_ratio" x
	row "$l: cold read" "$i.cold" MB/s
	row "$l: ratio cold / core cold" "$i.cold_ratio" x
	row "$l: page cache grown / guest.vmcore" "$i.cache" x
	row "$l: random 4 KiB p50" "$i.p50" us
	row "$l: random 4 KiB p99" "$i.p99" us
done
