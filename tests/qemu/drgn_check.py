"""Reads a Linux vmcore with drgn: the release, the task list and, for a panicked guest, the
stack of the thread that crashed. Exits non-zero (with drgn's error) when drgn cannot read it."""
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task

path, vmlinux, scenario = sys.argv[1:4]
prog = drgn.Program()
prog.set_core_dump(path)
prog.load_debug_info([vmlinux])
print("release", prog["init_uts_ns"].name.release.string_().decode())
print("tasks", " ".join(sorted(t.comm.string_().decode() for t in for_each_task(prog))))
if scenario == "panic":
    print("panic_cpu", prog["panic_cpu"].counter.value_())
    trace = str(prog.crashed_thread().stack_trace())
    print(trace)
    if "panic" not in trace:
        sys.exit("the crashed thread's stack has no panic frame")
