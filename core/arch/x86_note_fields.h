// The field layouts of the notes QEMU writes for x86_64 guests (NT_PRSTATUS in the x86_64
// elf_prstatus flavour, and the "QEMU" note holding QEMUCPUState), as name/offset/size tables.
// The note writer fills notes through them and --compare names the fields that differ.
#pragma once

#include <cstdint>
#include <span>

namespace vmcorefs {

struct NoteField {
	const char *name;
	uint32_t offset;
	uint32_t size;
};

// x86_64 elf_prstatus: 336 bytes; pid at 32, user_regs_struct at 112.
inline constexpr uint32_t x86_64_prstatus_size = 336;
std::span<const NoteField> x86_64_prstatus_fields();
// QEMUCPUState version 1: 440 bytes (432 before kernel_gs_base was added).
inline constexpr uint32_t qemu_cpu_state_size = 440;
std::span<const NoteField> qemu_cpu_state_fields();

} // namespace vmcorefs
