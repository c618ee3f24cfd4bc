// The CPU notes dump-guest-memory writes for an x86 guest, from the vCPU states: one NT_PRSTATUS
// per vCPU (pid = cpu_index + 1; the x86_64 flavour when the first vCPU is in long mode, the i386
// one otherwise), then one "QEMU" note (QEMUCPUState) per vCPU. vCPUs whose registers are stale
// get no notes: a note with boot-time registers makes crash take a 64-bit guest for 32-bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/x86_cpu_state.h"
#include "kernel/kernel_memory.h"
#include "qemu/guest_memory_map.h"

namespace vmcorefs {

struct X86Notes {
	std::vector<std::byte> bytes;
	uint16_t elf_machine = 62; // EM_X86_64
	std::vector<std::string> warnings;
	// The paging registers of the first current vCPU in long mode with paging on: the guest
	// kernel's page tables, before VMCOREINFO says where they are.
	std::optional<X86_64Paging> paging;
};

// state_size: sizeof(QEMUCPUState) of the core's QEMU (from its DWARF).
X86Notes build_x86_notes(const X86Cpus &cpus, uint32_t state_size);

// The class of guest.vmcore, as dump-guest-memory chooses it (cpu_get_dump_info, QEMU 7.2 to
// 10.0): ELFCLASS64 for EM_X86_64; for EM_386, ELFCLASS32 unless a block of QEMU's list ends
// past 0xffffffff. QEMU tests the exclusive end, so the BIOS ROM at [0xfffc0000, 4 GiB) of pc
// and q35 machines makes ELFCLASS64 too: only firmware in flash (-drive if=pflash, a ROM device
// QEMU does not dump) leaves an i386 guest of those machines ELFCLASS32.
ElfClass x86_elf_class(uint16_t elf_machine, const std::vector<GuestBlock> &blocks);

} // namespace vmcorefs
