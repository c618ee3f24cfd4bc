// The guest-physical block list QEMU's dump-guest-memory would write, rebuilt post mortem from
// address_space_memory's current FlatView: the same sections kept (terminal region is RAM, not a
// RAM device, not non-volatile), the same merge rule as guest_phys_block_add_section (only with
// the previous block; contiguous in guest-physical and host addresses; same MemoryRegion). Of a
// region with a RamDiscardManager (virtio-mem) only the populated parts count, each a section.
#pragma once

#include <vector>

#include "qemu/guest_memory_map.h"
#include "qemu/qemu_reader.h"

namespace vmcorefs {

Result<std::vector<GuestBlock>> walk_guest_blocks(QemuReader &reader);

} // namespace vmcorefs
