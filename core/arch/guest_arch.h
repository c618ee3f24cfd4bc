// What differs between the QEMU targets vmcorefs reads (qemu-system-x86_64, qemu-system-aarch64):
// the guest's ELF machine, the CPU notes dump-guest-memory writes from the target's CPU state, and
// PT_LOADs a target adds after the RAM's. Everything else (QEMU's memory map, VMCOREINFO, the
// vmcore's layout) is the same for all targets. One implementation per target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kernel/kernel_memory.h"
#include "qemu/guest_memory_map.h"
#include "qemu/qemu_reader.h"

namespace vmcorefs {

// The CPU part of guest.vmcore, as the target's dump code writes it.
struct CpuNotes {
	uint16_t elf_machine = 0;
	std::vector<std::byte> bytes; // complete ELF notes, in QEMU's order
	std::vector<VcpuSummary> vcpus;
	std::vector<std::string> warnings;
	// x86_64: a current vCPU's paging registers (X86Notes::paging), where the guest kernel's
	// own data can be read before VMCOREINFO is found.
	std::optional<X86_64Paging> x86_64_paging;
};

class GuestArch {
public:
	virtual ~GuestArch() = default;
	// accelerator: "tcg" or "kvm" (QemuIdentity); under KVM, registers may be stale.
	virtual Result<CpuNotes> cpu_notes(QemuReader &reader,
					   const std::string &accelerator) const = 0;
	// EI_CLASS of guest.vmcore for a map whose blocks and elf_machine are set: ELFCLASS64 by
	// default.
	virtual ElfClass elf_class(const GuestMemoryMap &map) const;
	// PT_LOADs after the segments', from the guest's VMCOREINFO text; none by default.
	virtual std::vector<MemoryAlias> aliases(const std::string &vmcoreinfo,
						 const GuestMemoryMap &map) const;
	// The QOM type every vCPU object of the target is an instance of ("x86_64-cpu"), and the
	// layout of its C struct (X86CPU).
	virtual std::string_view cpu_type() const = 0;
	virtual Result<StructLayout> cpu_layout(QemuReader &reader) const = 0;
};

// The target of the QEMU whose DWARF the reader has, by the CPU state type only that target's
// build defines (CPUX86State, CPUARMState). Error unsupported for any other target.
Result<const GuestArch *> find_guest_arch(QemuReader &reader);

} // namespace vmcorefs
