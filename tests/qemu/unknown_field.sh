#!/bin/bash
# A QEMU whose structures vmcorefs does not know, simulated: a copy of the harness's QEMU with
# CPUState.cpu_index renamed in its DWARF string table (same length, so nothing else moves; the
# build-id is unchanged, so the copy still matches the core). `vmcorefs --info -v` must fail with
# one line naming the struct and the field, and still list the debug info it used and the names
# it looked up (optional ones, alternatives) that did match: what a bug report from a user of
# another QEMU needs.
# Usage: unknown_field.sh VMCOREFS MANIFEST CORE_KEY
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: unknown_field.sh VMCOREFS MANIFEST CORE_KEY" >&2; exit 2; }
vmcorefs=$1 manifest=$2 key=$3
test_name=unknown_field
. "$(dirname "$0")/../prelude.sh"
core=$(value "$key") qemu=$(value qemu)
test_name="unknown_field ($(value name), $key)"

cp "$qemu" "$work/qemu"
# Every "cpu_index\0" in .debug_str (names may share a tail, e.g. "new_cpu_index").
/usr/bin/python3 - "$work/qemu" <<'PY' || fail "could not patch the copy's .debug_str"
import re, subprocess, sys
path = sys.argv[1]
headers = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True, check=True).stdout
m = re.search(r"\]\s+\.debug_str\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", headers)
if not m:
    sys.exit("no uncompressed .debug_str")
offset, size = int(m.group(1), 16), int(m.group(2), 16)
with open(path, "r+b") as f:
    f.seek(offset)
    strings = f.read(size)
    if b"cpu_index\0" not in strings:
        sys.exit("no cpu_index in .debug_str")
    f.seek(offset)
    f.write(strings.replace(b"cpu_index\0", b"cpu_indey\0"))
PY

status=0
"$vmcorefs" --info -v --executable="$work/qemu" "$core" >"$work/out" 2>"$work/err" || status=$?
cat "$work/err" "$work/out"
[ $status -eq 1 ] || fail "exit status $status, expected 1"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "the error is not one line"
grep -q "no field cpu_index in struct CPUState" "$work/err" || fail "the error does not name CPUState.cpu_index"
grep -qx 'details:' "$work/out" || fail "no details after the error"
grep -q "^  debug info: $work/qemu" "$work/out" || fail "the details do not name the debug info"
# The walk reads the memory map, with its optional MemoryRegion.rdm, before the vCPU list.
grep -qx '  field MemoryRegion.rdm: rdm' "$work/out" || fail "the details do not show the names that matched"
echo "unknown_field ($(value name), $key): ok"
