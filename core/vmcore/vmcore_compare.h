// Compares two ELF vmcores the way they should be compared (never `cmp` of whole files: QEMU
// releases lay files out differently): guest memory by physical range, page by page with xxh3;
// notes one by one, field by field where the note's layout is known (NT_PRSTATUS, QEMU's CPU
// state, VMCOREINFO lines). --compare prints the result; the real-QEMU tests assert on it.
#pragma once

#include <string>
#include <vector>

#include "vmcore/vmcore_view.h"

namespace vmcorefs {

struct CompareResult {
	std::vector<std::string> differences; // one line each; empty when the vmcores agree
	std::vector<std::string> summary;     // what was compared, for the user
	bool equal() const { return differences.empty(); }
};

// Either may have PT_LOADs that alias physical memory another PT_LOAD holds at another virtual
// address (the kernel-text segment vmcorefs adds); those are not compared as physical memory.
CompareResult compare_vmcores(const VmcoreView &ours, const VmcoreView &reference);

} // namespace vmcorefs
