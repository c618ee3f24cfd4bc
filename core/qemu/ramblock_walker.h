// QEMU's RAMBlock list (ram_list.blocks): every block of host memory QEMU allocated for guest
// RAM, ROMs and device memory (vga.vram, option ROMs), with its id string as `info ramblock`
// shows it. Served as ramblocks/<idstr> and used to cross-check the guest block list.
#pragma once

#include <vector>

#include "qemu/guest_memory_map.h"
#include "qemu/qemu_reader.h"

namespace vmcorefs {

Result<std::vector<RamBlockInfo>> walk_ramblocks(QemuReader &reader);

} // namespace vmcorefs
