#include "kernel/kernel_text_alias.h"

#include <algorithm>

#include "kernel/vmcoreinfo_text.h"

namespace vmcorefs {
namespace {

// The kernel text mapping's size with KASLR (KERNEL_IMAGE_SIZE); KERNELOFFSET says KASLR is built.
constexpr uint64_t kernel_image_size = 1ull << 30;

// The segment holding all of physical [start, start + length), if one does.
const GuestSegment *segment_holding(const GuestMemoryMap &map, uint64_t start, uint64_t length)
{
	for (const GuestSegment &s : map.segments)
		if (s.start <= start && start < s.end && length <= s.end - start)
			return &s;
	return nullptr;
}

} // namespace

std::optional<MemoryAlias> aarch64_kernel_image_alias(const std::string &vmcoreinfo,
						      const GuestMemoryMap &map)
{
	auto voffset = vmcoreinfo_number(vmcoreinfo, "NUMBER(kimage_voffset)", 16);
	auto stext = vmcoreinfo_number(vmcoreinfo, "SYMBOL(_stext)", 16);
	auto pgd = vmcoreinfo_number(vmcoreinfo, "SYMBOL(swapper_pg_dir)", 16);
	auto page_size = vmcoreinfo_number(vmcoreinfo, "PAGESIZE", 10);
	if (!voffset || !stext || !pgd || !page_size || *pgd < *stext ||
	    *pgd - *stext > UINT64_MAX - *page_size)
		return std::nullopt;
	uint64_t length = *pgd - *stext + *page_size;
	uint64_t physical = *stext - *voffset;
	if (!segment_holding(map, physical, length))
		return std::nullopt;
	return MemoryAlias{*stext, physical, length};
}

std::optional<MemoryAlias> x86_64_kernel_text_alias(const std::string &vmcoreinfo,
						    const GuestMemoryMap &map)
{
	auto phys_base = vmcoreinfo_number(vmcoreinfo, "NUMBER(phys_base)", 10);
	auto offset = vmcoreinfo_number(vmcoreinfo, "KERNELOFFSET", 16);
	auto stext = vmcoreinfo_number(vmcoreinfo, "SYMBOL(_stext)", 16);
	if (!phys_base || !offset || !stext || *stext < x86_64_start_kernel_map)
		return std::nullopt;
	// Unsigned wrap-around does the signed arithmetic: physical = virtual - map + phys_base.
	uint64_t text = *stext - x86_64_start_kernel_map + *phys_base;
	auto segment =
		std::find_if(map.segments.begin(), map.segments.end(), [&](const GuestSegment &s) {
			return s.start <= text && text < s.end;
		});
	if (segment == map.segments.end())
		return std::nullopt;
	// The mapping covers physical [phys_base, phys_base + 1 GiB); phys_base may be below 0.
	int64_t map_start = static_cast<int64_t>(*phys_base);
	int64_t map_end = map_start + static_cast<int64_t>(kernel_image_size);
	uint64_t start = std::max<uint64_t>(segment->start, std::max<int64_t>(map_start, 0));
	uint64_t end = std::min<uint64_t>(segment->end, std::max<int64_t>(map_end, 0));
	if (start >= end)
		return std::nullopt;
	return MemoryAlias{start - *phys_base + x86_64_start_kernel_map, start, end - start};
}

} // namespace vmcorefs
