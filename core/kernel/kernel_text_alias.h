// The kernel-text PT_LOAD: the guest kernel's image mapping as one more PT_LOAD over the RAM
// segment that holds the kernel. QEMU's dumps have p_vaddr = p_paddr only; with them drgn 0.0.22
// must translate kernel addresses through page tables it reads with kernel addresses, and fails
// ("recursive address translation"), on x86_64 and on aarch64 alike. With this segment it reads
// the guest; crash is unaffected.
#pragma once

#include <optional>
#include <string>

#include "qemu/guest_memory_map.h"

namespace vmcorefs {

// From VMCOREINFO's NUMBER(phys_base) (decimal, may be negative), KERNELOFFSET and
// SYMBOL(_stext); nullopt unless all are there and _stext lies in a segment.
std::optional<MemoryAlias> x86_64_kernel_text_alias(const std::string &vmcoreinfo,
						    const GuestMemoryMap &map);

// aarch64: the image is mapped linearly at virtual = physical + NUMBER(kimage_voffset), but the
// addresses after it are vmalloc space, so the PT_LOAD covers only what is surely image: from
// SYMBOL(_stext) to the end of SYMBOL(swapper_pg_dir), the page table drgn starts from (PAGESIZE
// bytes; it lies inside the image, before _end). nullopt unless all are there and the range lies
// in one segment.
std::optional<MemoryAlias> aarch64_kernel_image_alias(const std::string &vmcoreinfo,
						      const GuestMemoryMap &map);

} // namespace vmcorefs
