// GuestArch for qemu-system-aarch64: the notes of target/arm/arch_dump.c from CPUARMState
// (aarch64_cpu_state, aarch64_notes), and the kernel-image PT_LOAD drgn needs
// (kernel_text_alias).
#pragma once

#include "arch/guest_arch.h"

namespace vmcorefs {

const GuestArch &aarch64_arch();

} // namespace vmcorefs
