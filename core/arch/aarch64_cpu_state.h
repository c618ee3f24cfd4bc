// The vCPUs of an aarch64 QEMU, read from CPUARMState in the core, computed as
// target/arm/arch_dump.c computes what it writes: PSTATE assembled as pstate_read() does from
// QEMU's split flags, SP from xregs[31] (the SP of the current exception level), FPSR and FPCR as
// vfp_get_fpsr()/vfp_get_fpcr() fold softfloat's accumulated exception flags and the saturation
// flag back in; the SVE state when the CPU has SVE (aarch64_sve). What vmcorefs cannot yet
// reproduce byte for byte is an error naming the reason, never a different vmcore: a big-endian
// kernel, a CPU without AArch64. A vCPU in AArch32 state (a 32-bit task) is read as QEMU converts
// it (aarch32_state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/aarch64_sve.h"
#include "qemu/qemu_reader.h"

namespace vmcorefs {

struct Aarch64CpuState {
	int32_t cpu_index = 0;
	bool current = true; // false: the registers are stale, for stale_reason
	std::string stale_reason;
	bool running = false; // stopped inside translated code: pc may lag behind (TCG)
	uint64_t x[31] = {};
	uint64_t sp = 0;
	uint64_t pc = 0;
	uint64_t pstate = 0;
	uint64_t v[32][2] = {}; // q0..q31, low half first
	uint32_t fpsr = 0;
	uint32_t fpcr = 0;
	std::optional<Aarch64Sve> sve; // when the CPU has SVE: QEMU adds NT_ARM_SVE
};

// In QEMU's CPU list order. accelerator: "tcg" or "kvm" (QemuIdentity).
Result<std::vector<Aarch64CpuState>> read_aarch64_cpus(QemuReader &reader,
						       const std::string &accelerator);

} // namespace vmcorefs
