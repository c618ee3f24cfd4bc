// What a walk with another build's layouts must show before anything is read through them
// (facts_source's borrowed profiles: a rebuild of the same QEMU, the next Debian revision). Every
// walk already refuses what a wrong layout of the memory map would make of it: a FlatRange whose
// MemoryRegion is not one (its QOM type), a RAM MemoryRegion whose RAMBlock does not point back at
// it, FlatView ranges out of order or past their region, RAMBlocks past their bounds. These add
// the rest of what vmcorefs reads: the machine is a QOM machine; the vCPUs are objects of the
// target's CPU type, numbered 0..n-1 in list order, each as large as the profile's CPU struct
// (which holds CPUState and the registers: a field added or removed anywhere in them changes it);
// every RAMBlock's idstr is printable text.
#pragma once

#include "arch/guest_arch.h"
#include "base/error.h"
#include "qemu/guest_memory_map.h"
#include "qemu/qemu_reader.h"

namespace vmcorefs {

// Errors: mismatch, saying which check failed; those of the reads.
Result<void> check_borrowed_layout(QemuReader &reader, const GuestArch &arch,
				   const GuestMemoryMap &map);

} // namespace vmcorefs
