#!/bin/bash
# Checks that a scenario written by make-scenario.sh captured what it claims, using only peers'
# tools on QEMU's own reference vmcore: crash must open it and name the guest's release (and, after
# a panic, the panic message), and its notes must be one NT_PRSTATUS and one QEMU note per vCPU
# plus the guest's VMCOREINFO. The vmcorefs tests trust these files, so this must be able to fail.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: selfcheck.sh OUTDIR" >&2; exit 2; }
manifest=$1/manifest
[ -f "$manifest" ] || { echo "selfcheck: no $manifest (did make-scenario.sh succeed?)" >&2; exit 1; }
get() { sed -n "s/^$1=//p" "$manifest"; }
scenario=$(get scenario) release=$(get release) cpus=$(get cpus)
vmlinux=$(get vmlinux) reference=$(get reference)
fail() { echo "selfcheck: $scenario: $*" >&2; exit 1; }

# crash's `sys` prints PANIC: "" when the guest did not panic.
case $scenario in
panic) panic='Kernel panic - not syncing: sysrq triggered crash' ;;
idle) panic='' ;;
*) fail "no expectations for this scenario" ;;
esac

sys=$(printf 'sys\nquit\n' | timeout 300 crash -s "$vmlinux" "$reference" 2>&1) ||
	fail "crash failed or timed out on $reference:"$'\n'"$sys"
# sys right-aligns its field names; compare whole lines without the indentation.
fields=$(sed 's/^ *//' <<<"$sys")
has() { grep -qxF "$1" <<<"$fields" || fail "crash's sys does not show '$1':"$'\n'"$sys"; }
has "RELEASE: $release"
has "PANIC: \"$panic\""

# readelf -n prints one "OWNER  0xSIZE<tab>DESCRIPTION" line per note; count owner + first word.
notes=$(readelf -n "$reference" | awk '$2 ~ /^0x[0-9a-f]+$/ { print $1, $3 }' | sort | uniq -c | sed 's/^ *//')
want="$cpus CORE NT_PRSTATUS
$cpus QEMU Unknown
1 VMCOREINFO Unknown"
[ "$notes" = "$want" ] || fail "notes of $reference are"$'\n'"$notes"$'\n'"expected"$'\n'"$want"
echo "selfcheck: $scenario: OK (crash: RELEASE $release, PANIC \"$panic\"; notes: $cpus PRSTATUS, $cpus QEMU, 1 VMCOREINFO)"
