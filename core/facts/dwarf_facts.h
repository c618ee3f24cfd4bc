// The answers to qemu_fact_list.h's questions from QEMU's DWARF: the walk's facts when QEMU's
// debug info is at hand, and what `--write-profile` writes.
#pragma once

#include <elfutils/libdw.h>

#include "facts/debug_info.h"
#include "facts/qemu_facts.h"

namespace vmcorefs {

// Struct layouts and enumerators (every declared one, each with its answer) from dwarf; no
// globals, version or build-id. For tests with DWARF compiled from a small C program.
QemuFacts layout_facts_from_dwarf(Dwarf *dwarf);

// Every declared fact of the QEMU debug describes: layouts, enumerators, the globals' offsets
// from the executable's load bias, the version string in its .rodata and its build-id.
QemuFacts facts_from_debug_info(const DebugInfo &debug);

} // namespace vmcorefs
