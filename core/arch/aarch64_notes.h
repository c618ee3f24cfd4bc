// The CPU notes dump-guest-memory writes for an aarch64 guest (target/arm/arch_dump.c), in its
// order: per vCPU, NT_PRSTATUS (pid = cpu_index + 1, struct user_pt_regs) then NT_PRFPREG
// (struct user_fpsimd_state), both named "CORE", then for a CPU with SVE NT_ARM_SVE ("LINUX",
// struct user_sve_header and the registers in the ptrace SVE layout). No "QEMU" note: QEMU has
// none for Arm.
// vCPUs whose registers are stale get no notes, as on x86.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "arch/aarch64_cpu_state.h"

namespace vmcorefs {

struct Aarch64Notes {
	std::vector<std::byte> bytes;
	std::vector<std::string> warnings;
};

Aarch64Notes build_aarch64_notes(const std::vector<Aarch64CpuState> &cpus);

} // namespace vmcorefs
