#!/usr/bin/python3
"""Structured mutation fuzzing of a real QEMU process core, for a bounded time.

Each iteration overwrites one to three fields of a sparse copy of the harness's kernel core with a
random or interesting value (0, 1, all-ones, +-1, +-0x1000, a power of two, another field's value,
a flipped bit), runs `vmcorefs --info CORE` and, when that succeeds, `vmcorefs --compare=REF CORE`,
and puts the fields back. The fields are the core's ELF header, program headers and notes, and
QEMU's own structures in the crashed process's memory: the FlatView of address_space_memory and
its FlatRanges and MemoryRegions, ram_list's RAMBlocks, the vCPU list, current_machine and the
vmcoreinfo device. gdb finds those once, on the pristine core with QEMU's debug info, as addresses
and sizes (nothing here knows an offset in a QEMU structure).

A test failure, printed with the seed, the iteration and the mutations, is:
  - vmcorefs killed by a signal, or still running after 20 s (--info) or 60 s (--compare);
  - a failure (exit 1 or 2) whose stderr is not exactly one line `vmcorefs: ...`, or with
    anything on stdout; a line on stderr not starting `vmcorefs: ` after a success;
    an exit status vmcorefs does not document;
  - `--compare` saying `vmcores differ` when vmcorefs reported nothing new: no line on stderr
    and no absent memory or warning in --info's text beyond the pristine core's
    (--info prints its warnings on stdout; mounting prints them on stderr).

What is never mutated, because a correct vmcorefs must serve the change without a word: vCPU
register values (CPUX86State: they are the notes' contents) and guest RAM (the bytes of every
RAMBlock's host memory: they are the PT_LOADs' contents). Some fields vmcorefs reads are that kind
of data too, and any value of theirs is a state QEMU itself could have dumped: where a FlatRange
sits in guest-physical memory, which part of its region it shows and how much, which region
when that is another real MemoryRegion, how many ranges the FlatView has, the flags
dump-guest-memory consults to skip a region, a RAMBlock's host address, a vCPU's index
(NT_PRSTATUS's pr_pid) and `running` (whether TCG's lazy flags are folded into eflags). They are
mutated (crashes, hangs and error lines still count) and tagged `data`: a differing vmcore after
mutating one of them is counted, not failed. Every other field is structure (ELF metadata,
pointers, lists, lengths bounded by other fields), where a changed vmcore must come with a word.

Iteration I of seed S is always the same mutation, whatever ran before it. Replay one with
  mutate.py VMCOREFS MANIFEST --seed=S --iteration=I [--keep-core=PATH]
which also prints every output in full (--keep-core leaves the mutated core there, sparse).

Usage: mutate.py VMCOREFS MANIFEST [--seconds=N] [--seed=S] [--iterations=N] [--iteration=I]
  MANIFEST: a harness scenario's manifest (kernel_core=, reference=, qemu=).
Exit status: 0 no finding, 1 findings or a setup failure, 2 usage."""
import argparse
import collections
import dataclasses
import os
import random
import re
import secrets
import signal
import struct
import subprocess
import sys
import tempfile
import time

INFO_TIMEOUT, COMPARE_TIMEOUT = 20, 60
# The run stops starting iterations after --seconds; one still running may go on this much longer
# (its timeouts are cut to fit, and an iteration cut short is no verdict).
GRACE_SECONDS = 60
MAX_FAILURES_SHOWN = 20

PT_LOAD, PT_NOTE = 1, 4
NT_PRPSINFO, NT_AUXV, NT_FILE = 3, 6, 0x46494C45

# QEMU fields whose value is guest-visible data (see the docstring): differing is no failure.
DATA_FIELDS = {
    "FlatView.nr", "FlatRange.offset_in_region", "FlatRange.addr.start", "FlatRange.addr.size",
    "MemoryRegion.ram", "MemoryRegion.ram_device", "MemoryRegion.nonvolatile", "RAMBlock.host",
    "CPUState.cpu_index", "CPUState.running",
}
# Pointers that are data only when they point at another real object of their type: a FlatRange
# may show any MemoryRegion, but a FlatRange.mr into the middle of something else must not give a
# different vmcore without a word.
POINTEES = {"FlatRange.mr": "MemoryRegion"}


def log(*lines):
    print(*lines, sep="\n", flush=True)


# ---------------------------------------------------------------------------------------------
# The core as ELF: program headers, notes, host address -> file offset.

@dataclasses.dataclass(frozen=True)
class Phdr:
    index: int
    at: int  # file offset of the header itself
    p_type: int
    p_offset: int
    p_vaddr: int
    p_filesz: int
    p_memsz: int


@dataclasses.dataclass(frozen=True)
class Note:
    at: int  # file offset of the note header
    name: bytes
    n_type: int
    desc_at: int
    desc_size: int


class Core:
    """A read-only view of the pristine core: what the targets are computed from."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_RDONLY)
        ehdr = self.read(0, 64)
        if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2 or ehdr[5] != 1:
            raise SetupError(f"{path}: not an ELF64 little-endian file")
        phoff, = struct.unpack_from("<Q", ehdr, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 0x36)
        table = self.read(phoff, phentsize * phnum)
        self.phdrs = []
        for i in range(phnum):
            p_type, _, p_offset, p_vaddr, _, p_filesz, p_memsz = struct.unpack_from(
                "<IIQQQQQ", table, i * phentsize)
            self.phdrs.append(Phdr(i, phoff + i * phentsize, p_type, p_offset, p_vaddr,
                                   p_filesz, p_memsz))
        self.notes = [n for p in self.phdrs if p.p_type == PT_NOTE for n in self._notes(p)]

    def read(self, offset, size):
        return os.pread(self.fd, size, offset)

    def _notes(self, phdr):
        data = self.read(phdr.p_offset, phdr.p_filesz)
        at = 0
        while at + 12 <= len(data):
            namesz, descsz, n_type = struct.unpack_from("<III", data, at)
            desc = at + 12 + (namesz + 3) // 4 * 4
            yield Note(phdr.p_offset + at, data[at + 12:at + 12 + namesz].rstrip(b"\0"), n_type,
                       phdr.p_offset + desc, descsz)
            at = desc + (descsz + 3) // 4 * 4

    def load_holding(self, address, size=1):
        for p in self.phdrs:
            if p.p_type == PT_LOAD and p.p_vaddr <= address <= p.p_vaddr + p.p_memsz - size:
                return p
        return None

    def file_offset(self, address, size):
        """Where the file holds host memory [address, address + size), or None."""
        p = self.load_holding(address, size)
        if p is None or address + size > p.p_vaddr + p.p_filesz:
            return None
        return p.p_offset + address - p.p_vaddr

    def close(self):
        os.close(self.fd)


# ---------------------------------------------------------------------------------------------
# Targets: the fields a mutation may overwrite.

@dataclasses.dataclass(frozen=True)
class Target:
    group: str  # what the summary counts by
    name: str  # this instance: `RAMBlock[2] pc.bios.host`
    field: str  # the field of every instance: `RAMBlock.host`, what findings are told apart by
    offset: int  # in the file
    size: int  # a field of 1, 2, 4 or 8 bytes, or a span of bytes (an Int128, a string, a note)
    data: bool = False  # its value is guest-visible data (DATA_FIELDS)
    peers: frozenset = frozenset()  # values that are data too (POINTEES)
    address: int | None = None  # in QEMU's memory, for the report


class SetupError(Exception):
    pass


def elf_targets(core, hot_addresses):
    """ELF header fields, and five fields of each program header. `hot` program headers (the
    PT_NOTE and the PT_LOADs holding QEMU's structures, guest RAM or QEMU's executable) form a
    group of their own, so that the hundred thread stacks do not drown them."""
    targets = [Target("ELF header", name, f"Elf64_Ehdr.{name}", offset, size)
               for name, offset, size in (
        ("e_phoff", 0x20, 8), ("e_shoff", 0x28, 8), ("e_phentsize", 0x36, 2),
        ("e_phnum", 0x38, 2), ("e_shnum", 0x3C, 2))]
    hot = {p.index for p in core.phdrs if p.p_type == PT_NOTE}
    hot |= {p.index for a in hot_addresses if (p := core.load_holding(a))}
    for p in core.phdrs:
        kind = {PT_LOAD: "PT_LOAD", PT_NOTE: "PT_NOTE"}.get(p.p_type)
        if kind is None:
            continue
        group = "program headers (hot)" if p.index in hot else "program headers"
        for field, offset, size in (("p_type", 0, 4), ("p_offset", 8, 8), ("p_vaddr", 16, 8),
                                    ("p_filesz", 32, 8), ("p_memsz", 40, 8)):
            targets.append(Target(group, f"phdr[{p.index}] {kind} {p.p_vaddr:#x}.{field}",
                                  f"{kind}.{field}", p.at + offset, size))
    return targets


def note_targets(core):
    """Each note's header fields, and the descriptors vmcorefs parses itself: NT_FILE (its
    entries and its paths apart: the paths are most of it), NT_AUXV and NT_PRPSINFO."""
    targets = []
    for i, n in enumerate(core.notes):
        label = f"note[{i}] {n.name.decode(errors='replace')}/{n.n_type:#x}"
        for field, offset in (("n_namesz", 0), ("n_descsz", 4), ("n_type", 8)):
            targets.append(Target("note headers", f"{label}.{field}", f"Elf64_Nhdr.{field}",
                                  n.at + offset, 4))
        spans = []
        kind = {NT_FILE: "NT_FILE", NT_AUXV: "NT_AUXV", NT_PRPSINFO: "NT_PRPSINFO"}.get(n.n_type)
        if n.name == b"CORE" and n.n_type == NT_FILE and n.desc_size >= 16:
            count, = struct.unpack("<Q", core.read(n.desc_at, 8))
            entries = min(16 + 24 * count, n.desc_size)
            spans = [("entries", 0, entries), ("paths", entries, n.desc_size - entries)]
        elif n.name == b"CORE" and n.n_type in (NT_AUXV, NT_PRPSINFO):
            spans = [("desc", 0, n.desc_size)]
        for part, start, size in spans:
            if size > 0:
                targets.append(Target("note descriptors", f"{label}.{part}", f"{kind}.{part}",
                                      n.desc_at + start, size))
    return targets


def gdb_field(struct_name, path, base, label, *label_args):
    """A gdb command printing `F STRUCT PATH ADDRESS SIZE LABEL` for field PATH of the
    STRUCT at pointer expression BASE."""
    args = "".join(f", {a}" for a in label_args)
    return (f'printf "F {struct_name} {path} %#lx %lu {label}\\n", '
            f"(unsigned long)&(({base})->{path}), (unsigned long)sizeof(({base})->{path}){args}")


def gdb_fields(struct_name, paths, base, label, *label_args):
    return "\n".join(gdb_field(struct_name, p, base, label, *label_args) for p in paths.split())


# One gdb command file each: an error (a symbol or field this QEMU does not have) ends only its own
# file. The CPU list is cpus_queue since QEMU 8.2, cpus before; vcpu_dirty and rdm come and go.
def gdb_scripts():
    flatview_loop = """set $fv = address_space_memory.current_map
set $i = 0
while $i < $fv->nr && $i < 4096
  set $r = &$fv->ranges[$i]
  set $m = $r->mr
  printf "O MemoryRegion %#lx\\n", $m
{body}
  set $i = $i + 1
end"""
    cpu_loop = """set $c = {head}.tqh_first
set $n = 0
while $c && $n < 4096
{body}
  set $c = $c->node.tqe_next
  set $n = $n + 1
end"""
    ram_loop = """set $b = ram_list.blocks.lh_first
set $n = 0
while $b && $n < 4096
{body}
  set $b = $b->next.le_next
  set $n = $n + 1
end"""
    mr_label = "MemoryRegion@%#lx (of FlatRange[%d])", "$m", "$i"
    rb_label = "RAMBlock[%d] %s", "$n", "$b->idstr"
    return {
        "flatview": "\n".join([
            gdb_field("AddressSpace", "current_map", "&address_space_memory",
                      "address_space_memory"),
            gdb_fields("FlatView", "ranges nr nr_allocated", "address_space_memory.current_map",
                       "FlatView"),
            flatview_loop.format(body="\n".join([
                gdb_fields("FlatRange", "mr offset_in_region addr.start addr.size", "$r",
                           "FlatRange[%d]", "$i"),
                gdb_fields("MemoryRegion", "ram ram_device nonvolatile ram_block size", "$m",
                           *mr_label)]))]),
        "rdm": flatview_loop.format(body=gdb_field("MemoryRegion", "rdm", "$m", *mr_label)),
        "ramblocks": "\n".join([
            gdb_field("RAMList", "blocks.lh_first", "&ram_list", "ram_list"),
            ram_loop.format(body="\n".join([
                gdb_fields("RAMBlock", "host offset used_length max_length idstr next.le_next "
                           "mr flags", "$b", *rb_label),
                # Guest RAM, which is never mutated, and which MemoryRegion each block serves.
                'printf "R %#lx %#lx %#lx %s\\n", $b->host, $b->max_length, $b->mr, $b->idstr',
                'printf "O RAMBlock %#lx\\n", $b']))]),
        **{f"cpus-{head}": "\n".join([
            gdb_field("CPUTailQ", "tqh_first", f"&{head}", head),
            cpu_loop.format(head=head, body=gdb_fields(
                "CPUState", "node.tqe_next cpu_index running", "$c", "CPUState[%d]", "$n"))])
           for head in ("cpus_queue", "cpus")},
        **{f"vcpu_dirty-{head}": cpu_loop.format(head=head, body=gdb_field(
            "CPUState", "vcpu_dirty", "$c", "CPUState[%d]", "$n"))
           for head in ("cpus_queue", "cpus")},
        "machine": "\n".join([
            'printf "F MachineState* current_machine %#lx 8 current_machine\\n", &current_machine',
            gdb_field("Object", "class", "(Object *)current_machine", "current_machine")]),
        # Where the vmcoreinfo device's static pointer is (a second gdb run reads the device).
        "vmcoreinfo": "info variables ^vmcoreinfo_state",
    }


def gdb_vmcoreinfo_script(pointer):
    """The vmcoreinfo device's fields. Its static pointer has no debug info (GCC names it
    vmcoreinfo_state.N); gdb's `info variables` gave its address."""
    device = f"*(VMCoreInfoState **){pointer:#x}"
    return "\n".join([
        f'printf "F VMCoreInfoState* vmcoreinfo_state {pointer:#x} 8 vmcoreinfo_state\\n"',
        f"if {device}",
        gdb_fields("VMCoreInfoState", "has_vmcoreinfo vmcoreinfo.paddr vmcoreinfo.size "
                   "vmcoreinfo.guest_format", device, "vmcoreinfo_state"),
        "end"])


GROUP_OF_STRUCT = {"AddressSpace": "FlatView", "FlatView": "FlatView", "FlatRange": "FlatRange",
                   "MemoryRegion": "MemoryRegion", "RAMList": "RAMBlock", "RAMBlock": "RAMBlock",
                   "CPUTailQ": "vCPU list", "CPUState": "vCPU list"}


def run_gdb(qemu, core_path, workdir, scripts):
    files = []
    for name, text in scripts.items():
        files += ["-x", os.path.join(workdir, f"{name}.gdb")]
        with open(files[-1], "w") as f:
            f.write(text + "\n")
    cmd = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", qemu, core_path, *files]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=120)
    except subprocess.TimeoutExpired:
        raise SetupError("gdb did not finish in 120 s")
    return out.stdout, out.stderr


def qemu_targets(core, qemu, workdir):
    """QEMU's structures as gdb finds them. Returns the targets and the guest RAM ranges
    [host, host + max_length) of every RAMBlock."""
    stdout, stderr = run_gdb(qemu, core.path, workdir, gdb_scripts())
    pointer = re.search(r"^(0x[0-9a-f]+)\s+vmcoreinfo_state\b", stdout, re.M)
    if pointer:
        stdout += run_gdb(qemu, core.path, workdir,
                          {"vmcoreinfo": gdb_vmcoreinfo_script(int(pointer[1], 16))})[0]
    fields, guest_ram, block_of_region = [], [], {}
    objects = collections.defaultdict(set)  # struct name -> addresses
    for line in stdout.splitlines():
        if line.startswith("F "):
            _, struct_name, path, address, size, label = line.split(" ", 5)
            fields.append((struct_name, path, int(address, 16), int(size), label))
        elif line.startswith("O "):
            _, struct_name, address = line.split()
            objects[struct_name].add(int(address, 16))
        elif line.startswith("R "):
            _, host, length, region, idstr = line.split(" ", 4)
            guest_ram.append((int(host, 16), int(host, 16) + int(length, 16)))
            block_of_region.setdefault(int(region, 16), idstr)
    found = {f[0] for f in fields}
    for needed in ("FlatRange", "MemoryRegion", "RAMBlock", "CPUState"):
        if needed not in found:
            raise SetupError(f"gdb found no {needed} in the core:\n{stderr.strip()}")

    targets, seen = [], set()
    for struct_name, path, address, size, label in fields:
        if address in seen:  # a MemoryRegion shown by several FlatRanges, the second CPU list
            continue
        seen.add(address)
        if any(start < address + size and address < end for start, end in guest_ram):
            continue  # guest RAM: never mutated
        offset = core.file_offset(address, size)
        if offset is None:
            continue
        if path == "idstr":  # the name, up to its NUL
            size = core.read(offset, size).find(b"\0") + 1 or size
        if struct_name == "MemoryRegion":
            region = int(label.split("@")[1].split()[0], 16)
            if region in block_of_region:
                label += f" {block_of_region[region]}"
        group = GROUP_OF_STRUCT.get(struct_name, "other QEMU")
        name = path if label == path else f"{label}.{path}"
        field = f"{struct_name}.{path}"
        targets.append(Target(group, name, field, offset, size, data=field in DATA_FIELDS,
                              peers=frozenset(objects.get(POINTEES.get(field), ())),
                              address=address))
    return targets, guest_ram


def executable_addresses(core, qemu):
    """Host addresses of QEMU's executable mappings, from NT_FILE: their PT_LOADs are hot."""
    for n in core.notes:
        if n.name != b"CORE" or n.n_type != NT_FILE:
            continue
        desc = core.read(n.desc_at, n.desc_size)
        count, = struct.unpack_from("<Q", desc)
        paths = desc[16 + 24 * count:].split(b"\0")
        real = os.path.realpath(qemu).encode()
        return [struct.unpack_from("<Q", desc, 16 + 24 * i)[0] for i in range(count)
                if i < len(paths) and os.path.realpath(paths[i]) == real]
    return []


# ---------------------------------------------------------------------------------------------
# Mutations.

@dataclasses.dataclass(frozen=True)
class Mutation:
    target: Target
    offset: int
    width: int
    old: int
    new: int
    how: str

    @property
    def data(self):
        return self.target.data or self.new in self.target.peers

    def describe(self):
        where = f"file offset {self.offset:#x}"
        if self.target.address is not None:
            where += f", host {self.target.address + self.offset - self.target.offset:#x}"
        part = ""
        if self.width != self.target.size:
            part = f" [+{self.offset - self.target.offset}:{self.width}]"
        tag = " (data)" if self.data else ""
        return (f"{self.target.name}{part}{tag}: {self.old:#x} -> {self.new:#x} ({self.how}; "
                f"{where})")


def value_pool(core, targets):
    """The original value of every scalar field, by field name (without the index), and all
    together: what "another field's value" picks from."""
    by_field = collections.defaultdict(list)
    for t in targets:
        if t.size in (1, 2, 4, 8):
            value = int.from_bytes(core.read(t.offset, t.size), "little")
            by_field[t.field].append(value)
            by_field[None].append(value)
    return {k: sorted(set(v)) for k, v in by_field.items()}


def new_value(rng, old, width, same_field, pool):
    bits = 8 * width
    mask = (1 << bits) - 1
    how = rng.choice(["0", "1", "all-ones", "+1", "-1", "+0x1000", "-0x1000", "power of two",
                      "another field's value", "bit flip"])
    if how == "power of two":
        k = rng.randrange(bits)
        return 1 << k, f"1<<{k}"
    if how == "bit flip":
        k = rng.randrange(bits)
        return old ^ (1 << k), f"bit {k} flipped"
    if how == "another field's value":
        values = same_field if same_field and rng.random() < 0.5 else pool[None]
        return rng.choice(values) & mask, how
    return {"0": 0, "1": 1, "all-ones": mask, "+1": old + 1, "-1": old - 1,
            "+0x1000": old + 0x1000, "-0x1000": old - 0x1000}[how] & mask, how


def draw_mutations(rng, core, groups, pool):
    """One to three mutations of distinct fields, each a field of a group drawn at random (groups
    weigh the same: the many program headers and notes do not crowd out QEMU's structures)."""
    count = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
    mutations, used = [], set()
    while len(mutations) < count:
        target = rng.choice(groups[rng.choice(sorted(groups))])
        if target.size in (1, 2, 4, 8):
            offset, width = target.offset, target.size
        else:  # a word of a span, aligned to its width
            width = rng.choice([w for w in (1, 2, 4, 8) if w <= target.size])
            offset = target.offset + rng.randrange(target.size // width) * width
        if any(offset < o + w and o < offset + width for o, w in used):
            continue
        old = int.from_bytes(core.read(offset, width), "little")
        new, how = new_value(rng, old, width, pool.get(target.field), pool)
        if new == old:
            continue
        used.add((offset, width))
        mutations.append(Mutation(target, offset, width, old, new, how))
    return mutations


class MutableCopy:
    """The one sparse copy of the core of a run: mutations go in, and come out again byte for
    byte (copying 600 MB per iteration would cost more than vmcorefs does)."""

    def __init__(self, source, path):
        subprocess.run(["cp", "--sparse=always", source, path], check=True)
        self.path = path
        self.fd = os.open(path, os.O_RDWR)

    def apply(self, mutations):
        saved = []
        try:
            for m in mutations:
                saved.append((m.offset, os.pread(self.fd, m.width, m.offset)))
                os.pwrite(self.fd, m.new.to_bytes(m.width, "little"), m.offset)
        except BaseException:
            self.restore(saved)
            raise
        return saved

    def restore(self, saved):
        for offset, data in reversed(saved):
            os.pwrite(self.fd, data, offset)

    def close(self):
        os.close(self.fd)


# ---------------------------------------------------------------------------------------------
# Running vmcorefs, and the verdicts.

@dataclasses.dataclass
class Run:
    args: list
    status: int | None  # None: timed out
    stdout: str
    stderr: str
    timeout: float
    cut_short: bool = False  # timed out on a timeout shortened to end the run: no verdict

    def show(self, stdout_lines=None):
        status = "timed out" if self.status is None else f"exit {self.status}"
        lines = [f"$ {' '.join(self.args)}  -> {status}"]
        out = self.stdout.splitlines()
        if stdout_lines is not None:
            out = [l for l in out if stdout_lines(l)]
        lines += ["  stdout| " + l for l in out[:40]]
        lines += ["  stderr| " + l for l in self.stderr.splitlines()[:40]]
        return lines


def run_vmcorefs(args, timeout, deadline):
    """Runs vmcorefs with at most `timeout` seconds, fewer if the run's hard deadline is nearer."""
    allowed = min(timeout, max(1.0, deadline - time.monotonic()))
    env = {k: v for k, v in os.environ.items() if k != "DEBUGINFOD_URLS"}
    try:
        p = subprocess.run(args, capture_output=True, text=True, errors="replace",
                           timeout=allowed, env=env, stdin=subprocess.DEVNULL)
        return Run(args, p.returncode, p.stdout, p.stderr, allowed)
    except subprocess.TimeoutExpired as e:
        text = lambda b: (b or b"").decode(errors="replace") if isinstance(b, bytes) else (b or "")
        return Run(args, None, text(e.stdout), text(e.stderr), allowed,
                   cut_short=allowed < timeout)


def reported(info, compare):
    """What vmcorefs said about the guest: its stderr lines, and the absent ranges and warnings
    of --info's text."""
    lines = {l for r in (info, compare) if r for l in r.stderr.splitlines()}
    in_section = False
    for line in info.stdout.splitlines():
        if line.startswith("absent guest memory (not in guest.vmcore)") or line == "warnings:":
            in_section = True
        elif in_section and line.startswith("  "):
            lines.add(line.strip())
        else:
            in_section = False
    return lines


def message_shape(line, paths):
    """An error line without what varies (paths, numbers, quoted names): what outcomes are
    counted by."""
    text = line.removeprefix("vmcorefs: ")
    for path, name in paths:
        text = text.replace(path, name)
    text = re.sub(r"0x[0-9a-fA-F]+", "0x…", text)
    text = re.sub(r"(?<!\w)('[^']*'|\"[^\"]*\")", "'…'", text)
    text = re.sub(r"\b[0-9a-f]{16,}\b", "…", text)  # build-ids
    text = re.sub(r"\b\d+\b", "…", text)
    return text[:100]


def process_failure(r):
    """(kind, detail) when this run of vmcorefs fails whatever the mutation was, else None."""
    if r.status is None:
        return "hang", f"still running after {r.timeout:.0f} s"
    if r.status < 0 or r.status >= 128:
        signo = -r.status if r.status < 0 else r.status - 128
        name = signal.Signals(signo).name if signo in signal.valid_signals() else "?"
        return "crash", f"killed by signal {signo} ({name})"
    lines = r.stderr.splitlines()
    if r.status in (1, 2):
        one_line = len(lines) == 1 and r.stderr.endswith("\n")
        if not one_line or not lines[0].startswith("vmcorefs: "):
            return "bad error", f"exit {r.status}, stderr not exactly one line 'vmcorefs: …'"
        if r.stdout:
            return "bad error", f"exit {r.status} with output on stdout"
        return None
    if r.status not in (0, 3) or (r.status == 3 and r.args[1] == "--info"):
        return "bad exit status", f"exit {r.status}, which vmcorefs does not document"
    if any(not l.startswith("vmcorefs: ") for l in lines):
        return "stray stderr", f"exit {r.status} with lines on stderr not starting 'vmcorefs: '"
    return None


def judge(info, compare, mutations, baseline_reports, paths):
    """(outcome, failure or None). `outcome` is what the summary counts."""
    for r in (info, compare):
        if r is not None and r.cut_short:
            return "cut short by the end of the run", None
        if r is not None and (why := process_failure(r)):
            kind, detail = why
            return f"FAIL {kind} ({r.args[1].split('=')[0]})", f"{kind}: {r.args[1]}: {detail}"
    if info.status != 0:
        return "error (--info): " + message_shape(info.stderr.strip(), paths), None
    if compare.status in (1, 2):
        return "error (--compare): " + message_shape(compare.stderr.strip(), paths), None
    if compare.status == 0:
        return "agree", None
    if reported(info, compare) - baseline_reports:
        return "differ, reported", None
    if any(m.data for m in mutations):
        return "differ, a data field mutated", None
    return ("FAIL wrong vmcore", "wrong vmcore served with nothing reported: --compare says the "
            "vmcores differ; --info reports nothing beyond the pristine core's")


# ---------------------------------------------------------------------------------------------
# The run.

def read_manifest(path):
    try:
        with open(path) as f:
            values = dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l)
    except OSError as e:
        raise SetupError(f"cannot read the manifest (did the harness_panic fixture run?): {e}")
    for key in ("kernel_core", "reference", "qemu"):
        if not values.get(key):
            raise SetupError(f"{path} has no {key}=")
    return values


def parse_args(argv):
    p = argparse.ArgumentParser(prog="mutate.py", description=__doc__.split("\n")[0])
    p.add_argument("vmcorefs")
    p.add_argument("manifest")
    p.add_argument("--seconds", type=float, default=180,
                   help="stop starting iterations after this long (default 180)")
    p.add_argument("--seed", type=int, help="default: a new one, printed")
    p.add_argument("--iterations", type=int, help="stop after this many iterations")
    p.add_argument("--iteration", type=int, help="replay this iteration alone, verbosely")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="a line for each iteration: its outcome and mutations")
    p.add_argument("--keep-core", metavar="PATH",
                   help="with --iteration: leave the mutated core at PATH")
    args = p.parse_args(argv)
    if args.keep_core and args.iteration is None:
        p.error("--keep-core needs --iteration")
    return args


class Fuzzer:
    """The targets of one run, its copy of the core and its seed."""

    def __init__(self, args, seed, start, manifest, workdir):
        self.args = args
        self.vmcorefs = os.path.abspath(args.vmcorefs)
        self.reference = manifest["reference"]
        self.seed = seed
        self.start = start
        self.deadline = self.start + args.seconds + GRACE_SECONDS
        # Targets and old values come from the pristine core, never from the copy.
        self.core = Core(manifest["kernel_core"])
        self.copy = MutableCopy(self.core.path, os.path.join(workdir, "kernel.core"))
        self.paths = [(self.copy.path, "CORE"), (self.reference, "REF")]
        qemu, guest_ram = qemu_targets(self.core, manifest["qemu"], workdir)
        hot = [t.address for t in qemu] + [h for h, _ in guest_ram]
        hot += executable_addresses(self.core, manifest["qemu"])
        targets = elf_targets(self.core, hot) + note_targets(self.core) + qemu
        self.groups = collections.defaultdict(list)
        for t in targets:
            self.groups[t.group].append(t)
        self.pool = value_pool(self.core, targets)
        self.baseline_reports = self.check_baseline()

    def vmcorefs_runs(self):
        """--info, and --compare when --info succeeds."""
        info = run_vmcorefs([self.vmcorefs, "--info", self.copy.path], INFO_TIMEOUT, self.deadline)
        compare = None
        if info.status == 0:
            compare = run_vmcorefs([self.vmcorefs, f"--compare={self.reference}", self.copy.path],
                                   COMPARE_TIMEOUT, self.deadline)
        return info, compare

    def check_baseline(self):
        """The pristine copy must agree with its reference, or nothing can be judged."""
        info, compare = self.vmcorefs_runs()
        if info.status != 0 or compare.status != 0:
            raise SetupError("the unmutated core does not agree with its reference:\n" +
                             "\n".join(info.show() + (compare.show() if compare else [])))
        return reported(info, compare)

    def iteration(self, i):
        rng = random.Random(f"vmcorefs-mutate/{self.seed}/{i}")
        mutations = draw_mutations(rng, self.core, self.groups, self.pool)
        return (mutations, *self.attempt(mutations))

    def attempt(self, mutations):
        """(info run, compare run, outcome, failure) of the core with these mutations."""
        saved = self.copy.apply(mutations)
        try:
            info, compare = self.vmcorefs_runs()
        finally:
            self.copy.restore(saved)
        return (info, compare, *judge(info, compare, mutations, self.baseline_reports,
                                      self.paths))

    def culprits(self, mutations, outcome):
        """The mutations of a failing iteration that fail the same way alone (all of them when
        none does): what the finding is about."""
        if len(mutations) > 1:
            alone = [m for m in mutations if self.attempt([m])[2] == outcome]
            if alone:
                return alone
        return mutations

    def replay_command(self, i):
        return (f"{sys.argv[0]} {self.args.vmcorefs} {self.args.manifest} --seed={self.seed} "
                f"--iteration={i}")

    def report(self, i, mutations, culprits, info, compare, failure):
        differs = lambda l: not l.startswith(("ELF header", "memory:", "notes:"))
        lines = [f"FAIL: seed {self.seed}, iteration {i}: {failure}", "mutations:"]
        lines += ["  " + m.describe() for m in mutations]
        if culprits != mutations:
            lines += ["alone, this fails the same way:"] + ["  " + m.describe() for m in culprits]
        lines += info.show(lambda l: l.startswith(("  ", "absent", "warnings")))
        if compare:
            lines += compare.show(differs)
        lines += [f"replay: {self.replay_command(i)}", ""]
        log(*lines)


def summary(outcomes, by_group, failures, fuzzer, iterations, elapsed):
    rate = iterations / elapsed * 60 if elapsed else 0
    lines = [f"seed {fuzzer.seed}: {iterations} iterations in {elapsed:.0f} s "
             f"({rate:.0f} per minute)", "", "outcomes:"]
    width = max((len(k) for k in outcomes), default=10)
    lines += [f"  {k:<{width}}  {n:5d}" for k, n in sorted(outcomes.items(),
                                                             key=lambda kv: (-kv[1], kv[0]))]
    columns = ["agree", "differ", "error", "FAIL"]
    lines += ["", "by group (an iteration counts once for each group it mutated):",
              f"  {'group':<24} {'targets':>7} " + " ".join(f"{c:>7}" for c in columns)]
    for group in sorted(fuzzer.groups):
        counts = by_group[group]
        lines.append(f"  {group:<24} {len(fuzzer.groups[group]):7d} " +
                     " ".join(f"{counts[c]:7d}" for c in columns))
    if failures:
        lines += ["", f"{len(failures)} failing iterations; distinct findings (by the fields that "
                  "fail alone):"]
        distinct = collections.defaultdict(list)
        for i, culprits, failure in failures:
            fields = ", ".join(sorted({m.target.field for m in culprits}))
            distinct[(failure, fields)].append(i)
        for (failure, fields), its in sorted(distinct.items()):
            lines.append(f"  {failure} [{fields}]: iterations "
                         f"{', '.join(map(str, its[:10]))}{' …' if len(its) > 10 else ''}")
    log(*lines)


def fuzz(fuzzer, args):
    outcomes, failures = collections.Counter(), []
    by_group = collections.defaultdict(collections.Counter)
    i = 0
    stop = fuzzer.start + args.seconds
    while time.monotonic() < stop and (args.iterations is None or i < args.iterations):
        mutations, info, compare, outcome, failure = fuzzer.iteration(i)
        outcomes[outcome] += 1
        if args.verbose:
            log(f"{i}: {outcome}: " + "; ".join(m.describe() for m in mutations))
        if not outcome.startswith("cut short"):
            column = outcome.split()[0].rstrip(",")  # agree, differ, error or FAIL
            for group in {m.target.group for m in mutations}:
                by_group[group][column] += 1
        if failure:
            culprits = fuzzer.culprits(mutations, outcome)
            failures.append((i, culprits, failure))
            if len(failures) <= MAX_FAILURES_SHOWN:
                fuzzer.report(i, mutations, culprits, info, compare, failure)
        i += 1
    summary(outcomes, by_group, failures, fuzzer, i, time.monotonic() - fuzzer.start)
    return 1 if failures else 0


def replay(fuzzer, args):
    """One iteration, with every output in full."""
    mutations, info, compare, outcome, failure = fuzzer.iteration(args.iteration)
    log(f"seed {fuzzer.seed}, iteration {args.iteration}:",
        *("  " + m.describe() for m in mutations))
    log(*info.show(), *(compare.show() if compare else []), f"outcome: {outcome}")
    if failure:
        log(f"FAIL: {failure}")
        culprits = fuzzer.culprits(mutations, outcome)
        if culprits != mutations:
            log("alone, this fails the same way:", *("  " + m.describe() for m in culprits))
    if args.keep_core:
        fuzzer.copy.apply(mutations)
        subprocess.run(["cp", "--sparse=always", fuzzer.copy.path, args.keep_core], check=True)
        log(f"the mutated core is {args.keep_core}")
    return 1 if failure else 0


def raise_on_signal(signo, _frame):
    raise SystemExit(128 + signo)  # unwinds: the work directory is removed on the way out


def main(argv):
    args = parse_args(argv)
    # SIGINT too: a shell without job control starts background jobs with SIGINT ignored.
    for signo in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signo, raise_on_signal)
    start = time.monotonic()
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    log(f"mutate: seed {seed} (replay an iteration with --seed={seed} --iteration=N)")
    with tempfile.TemporaryDirectory(prefix="vmcorefs-mutate.") as workdir:
        fuzzer = None
        try:
            fuzzer = Fuzzer(args, seed, start, read_manifest(args.manifest), workdir)
            log(f"mutate: {sum(map(len, fuzzer.groups.values()))} fields in "
                f"{len(fuzzer.groups)} groups; setup took {time.monotonic() - start:.0f} s")
            return replay(fuzzer, args) if args.iteration is not None else fuzz(fuzzer, args)
        except SetupError as e:
            log(f"mutate: {e}")
            return 1
        finally:
            if fuzzer:
                fuzzer.core.close()
                fuzzer.copy.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
