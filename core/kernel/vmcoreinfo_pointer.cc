#include "kernel/vmcoreinfo_pointer.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "base/byte_order.h"
#include "kernel/vmcoreinfo_text.h"

namespace vmcorefs {
namespace {

constexpr uint64_t page_size = 4096;
constexpr uint64_t image_end = x86_64_start_kernel_map + (uint64_t{1} << 30);
// With page-table isolation the kernel's top-level table is the even page of an 8 KiB pair, the
// user copy the odd one.
constexpr uint64_t pti_user_copy = 0x1000;
// A kernel has one such shape, and perhaps a few words that look alike; a damaged or crafted core
// with more costs at most this many offers (a read each).
constexpr unsigned max_shapes = 64;

// A page-aligned address of the kernel's half below its image (the direct map, where the page
// allocator's pages are; with 4- or 5-level paging).
bool kernel_page_address(uint64_t word)
{
	return (word & (page_size - 1)) == 0 && word >= 0xff00000000000000 &&
	       word < x86_64_start_kernel_map;
}

// The three words vmcoreinfo_note, vmcoreinfo_size and vmcoreinfo_data, in either order.
bool vmcoreinfo_shape(uint64_t first, uint64_t size, uint64_t last)
{
	return kernel_page_address(first) && size > 0 && size <= page_size &&
	       kernel_page_address(last);
}

// Whether `candidate` accepted a page the image's words point at. From the bottom of the image
// up, as the core is best read (readahead follows forward reads): the variables are in .bss, last,
// and in Debian's 6.1 kernel 25 of the image's 30 MiB of writable pages lie below them, but going
// down read 5.5 MiB a page at a time against readahead and took longer (250-325 against 190-235
// ms with caches dropped, 16 GiB guest).
bool search_image(const KernelMemory &memory, const PhysicalReader &physical,
		  const std::function<bool(uint64_t paddr)> &candidate)
{
	unsigned shapes = 0;
	// One page, after the last two words of the page before it when that was searched too: the
	// three may straddle a page boundary.
	constexpr size_t carried = 16;
	std::vector<std::byte> bytes(carried + page_size);
	auto word = [&](size_t i) { return load_le<uint64_t>(bytes.data() + 8 * i); };
	uint64_t next = 0; // the virtual address that continues the words carried
	auto offer = [&](uint64_t vaddr) {
		auto paddr = memory.translate(vaddr);
		return paddr && candidate(*paddr);
	};
	for (uint64_t vaddr = x86_64_start_kernel_map; vaddr < image_end;) {
		auto found = memory.mapping(vaddr);
		if (!found)
			return false; // the tables themselves are not in the core
		// A hole may run to the top of the address space: its end would wrap to 0.
		uint64_t end = std::min(found->start + (found->size - 1), image_end - 1) + 1;
		for (; found->present && found->writable && vaddr < end; vaddr += page_size) {
			if (vaddr != next)
				std::fill_n(bytes.begin(), carried, std::byte{0});
			next = 0;
			if (!physical(found->paddr + (vaddr - found->start), bytes.data() + carried,
				      page_size))
				continue; // not in the core
			next = vaddr + page_size;
			for (size_t i = 0; i + 2 < bytes.size() / 8; i++) {
				if (!vmcoreinfo_shape(word(i), word(i + 1), word(i + 2)))
					continue;
				if (offer(word(i)) || offer(word(i + 2)))
					return true;
				if (++shapes == max_shapes)
					return false;
			}
			std::copy(bytes.end() - carried, bytes.end(), bytes.begin());
		}
		vaddr = end;
	}
	return false;
}

} // namespace

void for_each_vmcoreinfo_pointer(X86_64Paging paging, const PhysicalReader &physical,
				 const std::function<bool(uint64_t paddr)> &candidate)
{
	auto search = [&](uint64_t root) {
		return search_image(KernelMemory::x86_64({root, paging.five_level}, physical),
				    physical, candidate);
	};
	uint64_t kernels = paging.cr3 & ~pti_user_copy;
	if (!search(kernels) && paging.cr3 != kernels)
		search(paging.cr3);
}

} // namespace vmcorefs
