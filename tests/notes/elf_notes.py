#!/usr/bin/python3
"""Lists the notes of an ELF64 little-endian vmcore, independently of vmcorefs' own code.

usage: elf_notes.py list FILE         "machine M" then one "NAME TYPE DESCSZ SHA256-OF-DESC" per note
       elf_notes.py desc FILE NAME    the descriptor of the first note called NAME, raw, on stdout

Equal hashes mean byte-identical descriptors, which is how the CPU notes of two vmcores are
compared. Exits non-zero on anything that is not a well-formed ELF64 core with one PT_NOTE.
"""
import hashlib
import struct
import sys

PT_NOTE = 4


def notes(path):
    with open(path, "rb") as f:
        ehdr = f.read(64)
        if ehdr[:5] != b"\x7fELF\x02" or ehdr[5] != 1:
            sys.exit(f"elf_notes: {path}: not an ELF64 little-endian file")
        machine, = struct.unpack_from("<H", ehdr, 18)
        phoff, = struct.unpack_from("<Q", ehdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
        f.seek(phoff)
        phdrs = [struct.unpack("<IIQQQQQQ", f.read(phentsize)[:56]) for _ in range(phnum)]
        found = [p for p in phdrs if p[0] == PT_NOTE]
        if len(found) != 1:
            sys.exit(f"elf_notes: {path}: {len(found)} PT_NOTE segments, expected 1")
        offset, size = found[0][2], found[0][5]
        f.seek(offset)
        data = f.read(size)
    if len(data) != size:
        sys.exit(f"elf_notes: {path}: PT_NOTE runs past the end of the file")
    out, pos = [], 0
    align = lambda n: (n + 3) & ~3
    while pos < size:
        if size - pos < 12:
            sys.exit(f"elf_notes: {path}: trailing bytes in PT_NOTE at {pos}")
        namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
        desc_at = pos + 12 + align(namesz)
        if desc_at + align(descsz) > size:
            sys.exit(f"elf_notes: {path}: note at {pos} overruns PT_NOTE")
        name = data[pos + 12:pos + 12 + namesz].rstrip(b"\0").decode(errors="replace")
        out.append((name, ntype, data[desc_at:desc_at + descsz]))
        pos = desc_at + align(descsz)
    return machine, out


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("list", "desc"):
        sys.exit(__doc__)
    machine, found = notes(sys.argv[2])
    if sys.argv[1] == "list":
        print("machine", machine)
        for name, ntype, desc in found:
            print(name, ntype, len(desc), hashlib.sha256(desc).hexdigest())
        return
    for name, _, desc in found:
        if name == sys.argv[3]:
            sys.stdout.buffer.write(desc)
            return
    sys.exit(f"elf_notes: {sys.argv[2]}: no {sys.argv[3]} note")


main()
