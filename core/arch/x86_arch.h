// GuestArch for qemu-system-x86_64: notes from CPUX86State (x86_cpu_state, x86_notes), and the
// x86_64 kernel-text PT_LOAD (kernel_text_alias).
#pragma once

#include "arch/guest_arch.h"

namespace vmcorefs {

const GuestArch &x86_arch();

} // namespace vmcorefs
