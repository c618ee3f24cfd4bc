// Resolves QEMU's guest-physical blocks against the core: each block's host range becomes present
// segments (runs of guest memory whose bytes the core holds, each made of file-contiguous chunks)
// and absent ranges (memory the core lacks: never invented, never given a PT_LOAD).
#pragma once

#include "qemu/guest_memory_map.h"
#include "source/process_core.h"

namespace vmcorefs {

// Fills map.segments and map.absent from map.blocks.
void resolve_guest_memory(const ProcessCore &core, GuestMemoryMap &map);

} // namespace vmcorefs

namespace vmcorefs {

// Copies guest-physical memory out of the core through the resolved segments; error absent
// (with the guest address) when any byte is outside every segment.
Result<void> read_guest_physical(const ProcessCore &core, const GuestMemoryMap &map, uint64_t paddr,
				 void *dst, size_t length);

} // namespace vmcorefs
