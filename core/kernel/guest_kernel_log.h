// The kernel log of a loaded guest: its VMCOREINFO and guest-physical memory, through the guest
// kernel's page tables (kernel_memory), to the decoded log (kernel_log).
#pragma once

#include "kernel/kernel_log.h"
#include "qemu/guest_memory_map.h"
#include "source/process_core.h"

namespace vmcorefs {

// Never fails: what stops the reading is the log's problem.
KernelLog read_guest_kernel_log(const ProcessCore &core, const GuestMemoryMap &map);

} // namespace vmcorefs
