#!/usr/bin/python3
"""Overwrites host memory in a copy of a Linux process core, the way memory corruption in the
crashed process would have left it: poke_core.py CORE ADDRESS SIZE VALUE [ADDRESS SIZE VALUE...].
ADDRESS is a host virtual address (any base Python's int() accepts with base 0), SIZE 1, 2, 4 or
8 bytes, VALUE the little-endian integer to write. The address is translated through the core's
PT_LOADs; writing to memory the core does not hold is an error (exit 1), never a silent no-op."""
import struct
import sys

PT_LOAD = 1


def segments(f):
    f.seek(0)
    ehdr = f.read(64)
    if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2 or ehdr[5] != 1:
        sys.exit("poke_core: not an ELF64 little-endian file")
    phoff, = struct.unpack_from("<Q", ehdr, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", ehdr, 0x36)
    f.seek(phoff)
    table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from(
            "<IIQQQQQQ", table, i * phentsize)
        if p_type == PT_LOAD:
            yield p_vaddr, p_offset, p_filesz


def file_offset(f, address, size):
    for vaddr, offset, filesz in segments(f):
        if vaddr <= address and address + size <= vaddr + filesz:
            return offset + address - vaddr
    sys.exit(f"poke_core: {address:#x}+{size} is not in the file part of any PT_LOAD")


def main():
    args = sys.argv[1:]
    if len(args) < 4 or (len(args) - 1) % 3:
        sys.exit(__doc__)
    with open(args[0], "r+b") as f:
        for i in range(1, len(args), 3):
            address, size, value = (int(a, 0) for a in args[i:i + 3])
            fmt = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}[size]
            f.seek(file_offset(f, address, size))
            f.write(struct.pack(fmt, value))


main()
