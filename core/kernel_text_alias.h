// The x86_64 kernel-text PT_LOAD: the kernel's text mapping (virtual 0xffffffff80000000 +
// x ↦ physical phys_base + x) as one more PT_LOAD over the RAM segment that holds the kernel.
// QEMU's dumps have p_vaddr = p_paddr only; with them drgn 0.0.22 must translate kernel
// addresses through page tables it reads with kernel addresses, and fails ("recursive address
// translation"). With this segment it reads the guest; crash is unaffected.
#pragma once

#include <optional>
#include <string>

#include "guest_memory_map.h"

namespace vmcorefs {

// From VMCOREINFO's NUMBER(phys_base) (decimal, may be negative), KERNELOFFSET and
// SYMBOL(_stext); nullopt unless all are there and _stext lies in a segment.
std::optional<MemoryAlias> x86_64_kernel_text_alias(const std::string &vmcoreinfo,
						    const GuestMemoryMap &map);

} // namespace vmcorefs
