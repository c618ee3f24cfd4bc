#include "kernel/vmcoreinfo_pointer.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "base/byte_order.h"
#include "kernel/vmcoreinfo_text.h"

namespace vmcorefs {
namespace {

constexpr uint64_t page_size = 4096, window = uint64_t{2} << 20;
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

// Whether `candidate` accepted a page the image's words point at. The variables are in .bss,
// which comes last: the image is searched from the top down, a 2 MiB window at a time, each window
// read from the bottom up as the core is best read (readahead follows forward reads). In Debian's
// 6.1 kernel 5.5 of the image's 30 MiB of writable pages lie above them, 25 below: a cold mount of
// a 16 GiB guest's core took 126-152 ms so, 142-221 searching up from the bottom, and 114-129
// with the vmcoreinfo device (six runs interleaved). Going down a page at a time was slower still:
// it read against readahead.
bool search_image(const KernelMemory &memory, const PhysicalReader &physical,
		  const std::function<bool(uint64_t paddr)> &candidate)
{
	unsigned shapes = 0;
	// A window, then the first two words of the window above it: the three may straddle the
	// boundary. What is not read (holes, read-only pages, what the core lacks) is zeros, which
	// never look the part.
	constexpr size_t carried = 16;
	std::vector<std::byte> bytes(window + carried);
	bool dirty = false; // bytes holds a window's pages
	auto word = [&](size_t i) { return load_le<uint64_t>(bytes.data() + 8 * i); };
	auto offer = [&](uint64_t vaddr) {
		auto paddr = memory.translate(vaddr);
		return paddr && candidate(*paddr);
	};
	for (uint64_t top = image_end; top > x86_64_start_kernel_map; top -= window) {
		uint64_t base = top - window;
		if (dirty)
			std::fill_n(bytes.begin(), window, std::byte{0});
		bool read = false;
		for (uint64_t vaddr = base; vaddr < top;) {
			auto found = memory.mapping(vaddr);
			if (!found)
				return false; // the tables themselves are not in the core
			// A hole may run to the top of the address space: its end would wrap to 0.
			uint64_t end = std::min(found->start + (found->size - 1), top - 1) + 1;
			for (; found->present && found->writable && vaddr < end;
			     vaddr += page_size) {
				std::byte *page = bytes.data() + (vaddr - base);
				if (physical(found->paddr + (vaddr - found->start), page,
					     page_size))
					read = true;
				else // not in the core: whatever a failed read left, zeros
					std::fill_n(page, page_size, std::byte{0});
			}
			vaddr = end;
		}
		for (size_t i = 0; read && i + 2 < bytes.size() / 8; i++) {
			if (!vmcoreinfo_shape(word(i), word(i + 1), word(i + 2)))
				continue;
			if (offer(word(i)) || offer(word(i + 2)))
				return true;
			if (++shapes == max_shapes)
				return false;
		}
		std::copy_n(bytes.begin(), carried, bytes.end() - carried);
		dirty = read;
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
