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

// An x86_64 vCPU's paging registers: CR3 (the top-level table, with PCID or flag bits below bit
// 12) and whether CR4.LA57 enables 5-level paging.
struct X86_64Paging {
	uint64_t cr3 = 0;
	bool five_level = false;
};

// What a walk finds for a virtual address: the page or block it lies in (x86_64: 4 KiB, 2 MiB or
// 1 GiB), or the hole it lies in (an entry not present or invalid, at whatever level).
struct KernelMapping {
	uint64_t start = 0; // the first virtual address of the page or hole
	uint64_t size = 0;
	bool present = false;
	uint64_t paddr = 0;    // of start, when present
	bool writable = false; // no level's entry forbids writes
};

class KernelMemory {
public:
	// elf_machine is guest.vmcore's: EM_X86_64 (4- and 5-level paging,
	// NUMBER(pgtable_l5_enabled)) or EM_AARCH64 (4 KiB pages, 25- to 48-bit virtual addresses).
	// unsupported for any other, absent when VMCOREINFO lacks what the walk needs.
	static Result<KernelMemory> open(uint16_t elf_machine, const std::string &vmcoreinfo,
					 PhysicalReader physical);
	// An x86_64 walk from a vCPU's registers, before VMCOREINFO is known. The memory-encryption
	// bit (SME) is not known then: with it set, entries lead nowhere, and walks find nothing.
	static KernelMemory x86_64(X86_64Paging paging, PhysicalReader physical);

	// The page (or block) or hole vaddr lies in.
	Result<KernelMapping> mapping(uint64_t vaddr) const;

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
	Result<KernelMapping> walk_x86_64(uint64_t vaddr) const;
	Result<KernelMapping> walk_aarch64(uint64_t vaddr) const;
	Result<uint64_t> entry(uint64_t table, uint64_t index) const;

	Walk walk_;
	PhysicalReader physical_;
	uint64_t root_ = 0;         // guest-physical address of the top-level table
	unsigned levels_ = 4;       // x86_64: 4 or 5; arm64: 2 to 4
	unsigned va_bits_ = 48;     // arm64: the kernel half's width (64 - TCR_EL1.T1SZ)
	uint64_t address_mask_ = 0; // the bits of an entry that hold a physical address
};

} // namespace vmcorefs
