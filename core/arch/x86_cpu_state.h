// The vCPUs of an x86 QEMU, read from CPUX86State in the core: what dump-guest-memory would put
// in its CPU notes, and whether those values are current. Under TCG QEMU's copy is the CPU; under
// KVM it is whatever the last synchronisation left (vcpu_dirty false: stale, usually boot state).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qemu/qemu_reader.h"

namespace vmcorefs {

struct X86Segment {
	uint32_t selector = 0;
	uint32_t limit = 0;
	uint32_t flags = 0;
	uint64_t base = 0;
};

struct X86CpuState {
	int32_t cpu_index = 0;
	uint64_t regs[16] = {}; // QEMU's order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15
	uint64_t rip = 0;
	uint64_t eflags = 0;
	X86Segment segs[6]; // es cs ss ds fs gs
	X86Segment ldt, tr, gdt, idt;
	uint64_t cr[5] = {};
	uint64_t kernel_gs_base = 0;
	uint32_t hflags = 0;
	bool current = true; // false: the registers are stale, for stale_reason
	std::string stale_reason;
	bool flags_uncertain = false; // TCG vCPU stopped inside generated code with lazy flags
};

struct X86Cpus {
	std::vector<X86CpuState> cpus; // in QEMU's CPU list order
};

// accelerator: "tcg" or "kvm" (from QemuIdentity); decides what "current" means.
Result<X86Cpus> read_x86_cpus(QemuReader &reader, const std::string &accelerator);

} // namespace vmcorefs
