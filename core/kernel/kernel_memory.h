// The guest kernel's virtual memory, read with nothing but VMCOREINFO: the root of the kernel's
// page tables (x86_64 SYMBOL(init_top_pgt), arm64 SYMBOL(swapper_pg_dir)) lies in the kernel
// image, whose physical place VMCOREINFO gives (NUMBER(phys_base), NUMBER(kimage_voffset)); every
// other kernel address is translated by walking those tables, as the MMU would. This is how the
// kernel log is found without a vmlinux: both the static log buffer (in the image) and one
// allocated at boot (in the direct map, whose base KASLR moves) are reached the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "base/error.h"

namespace vmcorefs {

// Reads guest-physical memory; error absent when it is not there.
using PhysicalReader = std::function<Result<void>(uint64_t paddr, void *dst, size_t length)>;

class KernelMemory {
public:
	// elf_machine is guest.vmcore's: EM_X86_64 (4- and 5-level paging,
	// NUMBER(pgtable_l5_enabled)) or EM_AARCH64 (4 KiB pages, 25- to 48-bit virtual addresses).
	// unsupported for any other, absent when VMCOREINFO lacks what the walk needs.
	static Result<KernelMemory> open(uint16_t elf_machine, const std::string &vmcoreinfo,
					 PhysicalReader physical);

	// The guest-physical address of a kernel virtual address; absent when it is not mapped.
	Result<uint64_t> translate(uint64_t vaddr) const;
	// Copies length bytes at vaddr, page by page.
	Result<void> read(uint64_t vaddr, void *dst, size_t length) const;

private:
	enum class Walk : uint8_t { x86_64, aarch64 };
	KernelMemory(Walk walk, PhysicalReader physical)
		: walk_(walk), physical_(std::move(physical))
	{
	}
	Result<uint64_t> walk_x86_64(uint64_t vaddr) const;
	Result<uint64_t> walk_aarch64(uint64_t vaddr) const;
	Result<uint64_t> entry(uint64_t table, uint64_t index) const;

	Walk walk_;
	PhysicalReader physical_;
	uint64_t root_ = 0;         // guest-physical address of the top-level table
	unsigned levels_ = 4;       // x86_64: 4 or 5; arm64: 2 to 4
	unsigned va_bits_ = 48;     // arm64: the kernel half's width (64 - TCR_EL1.T1SZ)
	uint64_t address_mask_ = 0; // the bits of an entry that hold a physical address
};

} // namespace vmcorefs
