#include "kernel/kernel_memory.h"

#include "base/byte_order.h"
#include "kernel/vmcoreinfo_text.h"

namespace vmcorefs {
namespace {

constexpr uint16_t em_x86_64 = 62, em_aarch64 = 183;
constexpr uint64_t page_size = 4096;
constexpr unsigned page_shift = 12, index_bits = 9; // 512 eight-byte entries a table
// x86_64 entries: present, writable, and page size (a 1 GiB or 2 MiB page at the upper levels);
// bits 12-51 are the address, less the memory-encryption bit (NUMBER(sme_mask)).
constexpr uint64_t x86_present = 1, x86_writable = 2, x86_page_size = 0x80,
		   x86_address = 0x000ffffffffff000;
// arm64 descriptors with a 4 KiB granule: bit 0 valid; bits 1:0 = 01 a block (levels 1 and 2),
// 11 a table (levels 0-2) or a page (level 3); bits 12-47 the output address; AP[2] (bit 7) of a
// block or page, APTable[1] (bit 62) of a table: no writes.
constexpr uint64_t arm64_address = 0x0000fffffffff000, arm64_read_only = uint64_t{1} << 7,
		   arm64_table_read_only = uint64_t{1} << 62;

Error missing(const std::string &key)
{
	return make_error(ErrorCode::absent, "", vmcoreinfo_lacks(key));
}

Error unmapped(uint64_t vaddr)
{
	return make_error(ErrorCode::absent, "",
			  "kernel address " + hex(vaddr) +
				  " is not mapped in the guest's page tables",
			  vaddr);
}

} // namespace

Result<KernelMemory> KernelMemory::open(uint16_t elf_machine, const std::string &vmcoreinfo,
					PhysicalReader physical)
{
	auto number = [&](const char *key, int base) {
		return vmcoreinfo_number(vmcoreinfo, key, base);
	};
	if (elf_machine == em_x86_64) {
		// init_level4_pgt before Linux 4.13; NUMBER(phys_base) since 4.10.
		auto pgt = number("SYMBOL(init_top_pgt)", 16);
		if (!pgt)
			pgt = number("SYMBOL(init_level4_pgt)", 16);
		auto phys_base = number("NUMBER(phys_base)", 10);
		if (!pgt || !phys_base)
			return missing(!pgt ? "SYMBOL(init_top_pgt)" : "NUMBER(phys_base)");
		KernelMemory memory(Walk::x86_64, std::move(physical));
		// Unsigned wrap-around does the signed arithmetic (phys_base may be negative).
		memory.root_ = *pgt - x86_64_start_kernel_map + *phys_base;
		memory.levels_ = number("NUMBER(pgtable_l5_enabled)", 10).value_or(0) == 1 ? 5 : 4;
		memory.address_mask_ = x86_address & ~number("NUMBER(sme_mask)", 10).value_or(0);
		return memory;
	}
	if (elf_machine == em_aarch64) {
		auto pgd = number("SYMBOL(swapper_pg_dir)", 16);
		auto voffset = number("NUMBER(kimage_voffset)", 16);
		if (!pgd || !voffset)
			return missing(!pgd ? "SYMBOL(swapper_pg_dir)" : "NUMBER(kimage_voffset)");
		if (number("PAGESIZE", 10).value_or(page_size) != page_size)
			return make_error(ErrorCode::unsupported, "",
					  "the guest kernel's pages are not 4 KiB");
		// TCR_EL1.T1SZ sizes the kernel half (Linux 5.12 and later say it); VA_BITS
		// otherwise.
		auto t1sz = number("NUMBER(TCR_EL1_T1SZ)", 16);
		auto va_bits =
			t1sz ? std::optional<uint64_t>(64 - *t1sz) : number("NUMBER(VA_BITS)", 10);
		if (!va_bits)
			return missing("NUMBER(VA_BITS)");
		if (*va_bits < 25 || *va_bits > 48)
			return make_error(ErrorCode::unsupported, "",
					  "the guest kernel's " + std::to_string(*va_bits) +
						  "-bit virtual addresses are not supported");
		KernelMemory memory(Walk::aarch64, std::move(physical));
		memory.root_ = *pgd - *voffset;
		memory.va_bits_ = static_cast<unsigned>(*va_bits);
		memory.levels_ = (memory.va_bits_ - page_shift + index_bits - 1) / index_bits;
		memory.address_mask_ = arm64_address;
		return memory;
	}
	return make_error(ErrorCode::unsupported, "",
			  "reading kernel memory is not supported for ELF machine " +
				  std::to_string(elf_machine));
}

KernelMemory KernelMemory::x86_64(X86_64Paging paging, PhysicalReader physical)
{
	KernelMemory memory(Walk::x86_64, std::move(physical));
	memory.root_ = paging.cr3 & x86_address;
	memory.levels_ = paging.five_level ? 5 : 4;
	memory.address_mask_ = x86_address;
	return memory;
}

Result<uint64_t> KernelMemory::entry(uint64_t table, uint64_t index) const
{
	std::byte raw[8];
	VMCOREFS_TRY(physical_(table + index * 8, raw, sizeof raw));
	return load_le<uint64_t>(raw);
}

Result<KernelMapping> KernelMemory::mapping(uint64_t vaddr) const
{
	return walk_ == Walk::x86_64 ? walk_x86_64(vaddr) : walk_aarch64(vaddr);
}

Result<KernelMapping> KernelMemory::walk_x86_64(uint64_t vaddr) const
{
	uint64_t table = root_;
	bool writable = true;
	for (unsigned level = levels_; level >= 1; --level) {
		unsigned shift = page_shift + index_bits * (level - 1);
		uint64_t span = uint64_t{1} << shift;
		auto e = entry(table, (vaddr >> shift) & ((1u << index_bits) - 1));
		if (!e)
			return e.take_error();
		KernelMapping found{vaddr & ~(span - 1), span};
		if (!(*e & x86_present))
			return found;
		writable = writable && (*e & x86_writable);
		if (level == 1 || ((level == 2 || level == 3) && (*e & x86_page_size))) {
			found.present = true;
			found.paddr = *e & address_mask_ & ~(span - 1);
			found.writable = writable;
			return found;
		}
		table = *e & address_mask_;
	}
	return KernelMapping{}; // not reached: level 1 is a leaf
}

Result<KernelMapping> KernelMemory::walk_aarch64(uint64_t vaddr) const
{
	// Only the kernel half (TTBR1): the top 64 - va_bits bits all set.
	if (va_bits_ < 64 && (vaddr >> va_bits_) != (UINT64_MAX >> va_bits_))
		return KernelMapping{vaddr & ~(page_size - 1), page_size};
	uint64_t table = root_;
	bool writable = true;
	for (unsigned level = 4 - levels_; level <= 3; ++level) {
		unsigned shift = page_shift + index_bits * (3 - level);
		uint64_t span = uint64_t{1} << shift;
		unsigned bits = level == 4 - levels_ ? va_bits_ - shift : index_bits;
		auto e = entry(table, (vaddr >> shift) & ((uint64_t{1} << bits) - 1));
		if (!e)
			return e.take_error();
		KernelMapping found{vaddr & ~(span - 1), span};
		bool block = (*e & 3) == 1;
		// Invalid, or a block where there can be none (levels 0 and 3: reserved).
		if (!(*e & 1) || (block && (level == 0 || level == 3)))
			return found;
		if (block || level == 3) {
			found.present = true;
			found.paddr = *e & address_mask_ & ~(span - 1);
			found.writable = writable && !(*e & arm64_read_only);
			return found;
		}
		writable = writable && !(*e & arm64_table_read_only);
		table = *e & address_mask_;
	}
	return KernelMapping{}; // not reached: level 3 is a leaf
}

Result<uint64_t> KernelMemory::translate(uint64_t vaddr) const
{
	auto found = mapping(vaddr);
	if (!found)
		return found.take_error();
	if (!found->present)
		return unmapped(vaddr);
	return found->paddr + (vaddr - found->start);
}

Result<void> KernelMemory::read(uint64_t vaddr, void *dst, size_t length) const
{
	auto *out = static_cast<std::byte *>(dst);
	while (length > 0) {
		size_t n = std::min<uint64_t>(length, page_size - (vaddr & (page_size - 1)));
		auto paddr = translate(vaddr);
		if (!paddr)
			return paddr.take_error();
		VMCOREFS_TRY(physical_(*paddr, out, n));
		out += n, vaddr += n, length -= n;
	}
	return {};
}

} // namespace vmcorefs
