// QEMU's global list of vCPUs (CPUState), the same for every target: each vCPU's address, its
// cpu_index and whether the registers QEMU keeps for it are current. The target's CPU state
// (CPUX86State, CPUARMState) is read from each address by that target's reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qemu/qemu_reader.h"

namespace vmcorefs {

struct VcpuRef {
	uint64_t address = 0; // the CPUState, which starts the target's ArchCPU
	int32_t cpu_index = 0;
	bool current = true; // false: the registers are stale, for stale_reason
	std::string stale_reason;
	bool running = false; // inside cpu_exec() when the core was taken
};

// In QEMU's list order. accelerator: "tcg" or "kvm" (from QemuIdentity); decides what "current"
// means. In a live process that runs, a vCPU is current only while QEMU has it paused.
Result<std::vector<VcpuRef>> walk_cpu_list(QemuReader &reader, const std::string &accelerator);

} // namespace vmcorefs
