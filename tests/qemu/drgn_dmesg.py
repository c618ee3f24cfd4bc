"""Prints a vmcore's kernel log from drgn's printk records, in makedumpfile --dump-dmesg's format
(a newline inside a message continues under it; bytes that are neither printable nor white
space as \\xNN). For arm64 guests, whose vmcores Debian's makedumpfile and crash do not read.
Usage: drgn_dmesg.py VMCORE VMLINUX"""
import sys

import drgn
from drgn.helpers.linux.printk import get_printk_records

SHOWN = set(range(0x20, 0x7f)) | set(b"\t\n\v\f\r")

prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
out = sys.stdout.buffer
for record in get_printk_records(prog):
    prefix = b"[%5d.%06d] " % (record.timestamp // 1000000000, record.timestamp % 1000000000 // 1000)
    text = b"".join(bytes([c]) if c in SHOWN else b"\\x%02x" % c for c in record.text)
    out.write(prefix + text.replace(b"\n", b"\n" + b" " * len(prefix)) + b"\n")
