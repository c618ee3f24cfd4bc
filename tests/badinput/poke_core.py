#!/usr/bin/python3
"""Damages a copy of a Linux process core (ELF64 little-endian) in place, the way a corrupt header
or memory corruption in the crashed process would have left it. Every value is an integer in any
base Python's int(x, 0) accepts; all writes are little-endian.

  poke_core.py CORE mem ADDRESS SIZE VALUE [ADDRESS SIZE VALUE...]
      host memory: ADDRESS translated through the PT_LOADs, SIZE 1, 2, 4 or 8 bytes
  poke_core.py CORE offset-of ADDRESS
      prints the file offset that holds host address ADDRESS
  poke_core.py CORE ehdr FIELD VALUE           FIELD: e_phnum e_phoff e_shoff
  poke_core.py CORE load INDEX FIELD VALUE     the INDEX-th PT_LOAD; FIELD: p_offset p_vaddr
                                               p_filesz p_memsz
  poke_core.py CORE note TYPE FIELD VALUE      the first CORE note of TYPE (1 NT_PRSTATUS,
                                               0x46494c45 NT_FILE ...); FIELD: n_descsz, or
                                               desc0 for the first 8 bytes of its descriptor

Anything that does not exist (an address the file does not hold, a missing note) is an error
(exit 1), never a silent no-op."""
import struct
import sys

PT_LOAD, PT_NOTE = 1, 4
EHDR = {"e_phoff": (0x20, "<Q"), "e_shoff": (0x28, "<Q"), "e_phnum": (0x38, "<H")}
PHDR = {"p_offset": (8, "<Q"), "p_vaddr": (16, "<Q"), "p_filesz": (32, "<Q"), "p_memsz": (40, "<Q")}


def die(message):
    sys.exit("poke_core: " + message)


def program_headers(f):
    """(file offset of the header, p_type, p_offset, p_vaddr, p_filesz) for each one."""
    f.seek(0)
    ehdr = f.read(64)
    if len(ehdr) < 64 or ehdr[:4] != b"\x7fELF" or ehdr[4] != 2 or ehdr[5] != 1:
        die("not an ELF64 little-endian file")
    phoff, = struct.unpack_from("<Q", ehdr, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", ehdr, 0x36)
    f.seek(phoff)
    table = f.read(phentsize * phnum)
    for i in range(len(table) // phentsize):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", table, i * phentsize)
        yield phoff + i * phentsize, p_type, p_offset, p_vaddr, p_filesz


def file_offset(f, address, size=1):
    for _, p_type, offset, vaddr, filesz in program_headers(f):
        if p_type == PT_LOAD and vaddr <= address and address + size <= vaddr + filesz:
            return offset + address - vaddr
    die(f"{address:#x}+{size} is not in the file part of any PT_LOAD")


def write(f, offset, fmt, value):
    f.seek(offset)
    f.write(struct.pack(fmt, value))


def find_note(f, wanted):
    """File offset of the header of the first CORE note of type `wanted`."""
    for _, p_type, offset, _, filesz in program_headers(f):
        if p_type != PT_NOTE:
            continue
        f.seek(offset)
        notes = f.read(filesz)
        at = 0
        while at + 12 <= len(notes):
            namesz, descsz, n_type = struct.unpack_from("<III", notes, at)
            name = notes[at + 12:at + 12 + namesz].rstrip(b"\0")
            if name == b"CORE" and n_type == wanted:
                return offset + at
            at += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    die(f"no CORE note of type {wanted:#x}")


def main(argv):
    if len(argv) < 3:
        die(__doc__)
    core, what, args = argv[0], argv[1], argv[2:]
    number = lambda text: int(text, 0)
    with open(core, "r+b") as f:
        if what == "mem" and len(args) % 3 == 0:
            for i in range(0, len(args), 3):
                address, size, value = map(number, args[i:i + 3])
                fmt = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}.get(size) or die(f"bad size {size}")
                write(f, file_offset(f, address, size), fmt, value)
        elif what == "offset-of" and len(args) == 1:
            print(hex(file_offset(f, number(args[0]))))
        elif what == "ehdr" and len(args) == 2:
            offset, fmt = EHDR.get(args[0]) or die(f"no field {args[0]}")
            write(f, offset, fmt, number(args[1]))
        elif what == "load" and len(args) == 3:
            loads = [h for h in program_headers(f) if h[1] == PT_LOAD]
            index = number(args[0])
            if index >= len(loads):
                die(f"no PT_LOAD {index}")
            offset, fmt = PHDR.get(args[1]) or die(f"no field {args[1]}")
            write(f, loads[index][0] + offset, fmt, number(args[2]))
        elif what == "note" and len(args) == 3:
            header = find_note(f, number(args[0]))
            f.seek(header)
            namesz, = struct.unpack("<I", f.read(4))
            fields = {"n_descsz": (header + 4, "<I"),
                      "desc0": (header + 12 + (namesz + 3) // 4 * 4, "<Q")}
            offset, fmt = fields.get(args[1]) or die(f"no field {args[1]}")
            write(f, offset, fmt, number(args[2]))
        else:
            die(__doc__)


main(sys.argv[1:])
