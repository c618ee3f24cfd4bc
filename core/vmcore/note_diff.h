// What differs between two notes of the same name and type, field by field where the note's
// layout is known (x86_64 NT_PRSTATUS, QEMU's QEMUCPUState), line by line for VMCOREINFO, else by
// the first differing byte: what --compare prints.
#pragma once

#include <string>
#include <vector>

#include "vmcore/vmcore_view.h"

namespace vmcorefs {

// One line per differing field of two notes with the same name and type.
std::vector<std::string> diff_note_fields(const VmcoreNote &ours, const VmcoreNote &reference);

} // namespace vmcorefs
