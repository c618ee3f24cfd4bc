"""Reads a Linux vmcore with drgn: the release, the task list and, for a panicked guest, the
stack of the CPU that panicked. Exits non-zero (with drgn's error) when drgn cannot read it.

Debian 12's drgn (0.0.22) takes a running task's registers from the NT_PRSTATUS note only when
the note's pr_pid is the task's PID (kdump's convention); QEMU's notes carry cpu_index + 1. So
the panic CPU's registers are taken from its note here (pr_pid = panic_cpu + 1), and its stack is
read through drgn from the stack pointer up and symbolised, as crash's bt does for such dumps.
When the CPU was stopped in an interrupt (its stack pointer on the IRQ stack), the panicking
task's own stack is read too. x86_64 and aarch64 vmcores (the ELF header's e_machine says which);
on aarch64 the pointer-authentication bits of return addresses (VMCOREINFO's KERNELPACMASK, set on
-cpu max) are restored before symbolising."""
import struct
import sys

import drgn
from drgn.helpers.linux.percpu import per_cpu
from drgn.helpers.linux.pid import for_each_task

NT_PRSTATUS = 1
PRSTATUS_REGS = 112  # offset of pr_reg in the x86_64 and the arm64 elf_prstatus
# e_machine: (registers in pr_reg, index of the program counter, index of the stack pointer);
# x86_64's user_regs_struct has rip and rsp at 16 and 19, arm64's user_pt_regs pc and sp at 32, 31.
REGISTERS = {62: (27, 16, 19), 183: (34, 32, 31)}
THREAD_SIZE = 16384  # a kernel stack, on x86_64 and on arm64 with 4 KiB pages


def read_notes(path):
    """({pr_pid: (pc, sp)} from the vmcore's NT_PRSTATUS notes, its VMCOREINFO text)."""
    with open(path, "rb") as f:
        ehdr = f.read(64)
        machine, = struct.unpack_from("<H", ehdr, 18)
        count, pc, sp = REGISTERS[machine]
        phoff, = struct.unpack_from("<Q", ehdr, 32)
        phnum, = struct.unpack_from("<H", ehdr, 56)
        f.seek(phoff)
        phdrs = [struct.unpack("<IIQQQQQQ", f.read(56)) for _ in range(phnum)]
        note = next(p for p in phdrs if p[0] == 4)  # PT_NOTE
        f.seek(note[2])
        data = f.read(note[5])
    regs, vmcoreinfo, pos = {}, "", 0
    while pos + 12 <= len(data):
        namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
        desc = pos + 12 + (namesz + 3) // 4 * 4
        name = data[pos + 12:pos + 12 + namesz].rstrip(b"\0")
        if ntype == NT_PRSTATUS and name == b"CORE":
            pid, = struct.unpack_from("<I", data, desc + 32)
            values = struct.unpack_from(f"<{count}Q", data, desc + PRSTATUS_REGS)
            regs[pid] = (values[pc], values[sp])
        elif name == b"VMCOREINFO":
            vmcoreinfo = data[desc:desc + descsz].decode(errors="replace")
        pos = desc + (descsz + 3) // 4 * 4
    return regs, vmcoreinfo


def pac_mask(vmcoreinfo):
    for line in vmcoreinfo.splitlines():
        if line.startswith("NUMBER(KERNELPACMASK)="):
            return int(line.split("=", 1)[1], 0)
    return 0


def symbol_name(prog, address):
    try:
        return prog.symbol(address).name
    except LookupError:
        return None


def stack_frames(prog, start, words, pac):
    """Names of the kernel text addresses among `words` stack words from start."""
    text = range(prog.symbol("_stext").address, prog.symbol("_etext").address)
    frames = []
    for slot in range(words):
        try:
            value = prog.read_u64(start + 8 * slot) | pac
        except drgn.FaultError:
            break
        name = symbol_name(prog, value)
        if name and value in text:
            frames.append(name)
    return frames


def panic_cpu_stack(prog, path, cpu):
    regs, vmcoreinfo = read_notes(path)
    pc, sp = regs[cpu + 1]
    pac = pac_mask(vmcoreinfo)
    # 8 KiB of stack holds the panic path comfortably.
    frames = [f for f in [symbol_name(prog, pc)] + stack_frames(prog, sp, 1024, pac) if f]
    task = per_cpu(prog["runqueues"], cpu).curr
    stack = task.stack.value_()
    if "panic" not in frames and not stack <= sp < stack + THREAD_SIZE:
        frames.append("|")  # the interrupted task's stack follows
        frames += stack_frames(prog, stack, THREAD_SIZE // 8, pac)
    return frames


path, vmlinux, scenario = sys.argv[1:4]
prog = drgn.Program()
prog.set_core_dump(path)
prog.load_debug_info([vmlinux])
print("release", prog["init_uts_ns"].name.release.string_().decode())
print("tasks", " ".join(sorted(t.comm.string_().decode() for t in for_each_task(prog))))
if scenario == "panic":
    cpu = prog["panic_cpu"].counter.value_()
    frames = panic_cpu_stack(prog, path, cpu)
    print(f"panic_cpu {cpu} stack:", " ".join(frames))
    if "panic" not in frames:
        sys.exit(f"the stack of CPU {cpu} has no panic frame")
