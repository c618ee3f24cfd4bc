#include "qemu/plugged_bitmap.h"

#include <algorithm>
#include <limits>

#include "base/error.h"

namespace vmcorefs {
namespace {

// The first bit at or after `from` that is `value`, or bitmap.bits when none is. Whole bytes of the
// other value are skipped at once: a large, mostly unplugged device is the usual case.
uint64_t next_bit(const PluggedBitmap &bitmap, uint64_t from, bool value)
{
	const uint8_t skip = value ? 0x00 : 0xff;
	while (from < bitmap.bits) {
		if (from % 8 == 0 && bitmap.bytes[from / 8] == skip) {
			from += 8;
			continue;
		}
		if (bitmap.plugged(from) == value)
			return from;
		from++;
	}
	return bitmap.bits;
}

} // namespace

std::string bitmap_mismatch(uint64_t block_size, uint64_t bits, uint64_t region_size)
{
	if (block_size == 0 || (block_size & (block_size - 1)))
		return "block size " + hex(block_size) + " is not a power of two";
	// Also what keeps a corrupt count from allocating more than 256 MiB for the bitmap.
	if (bits > uint64_t(std::numeric_limits<int32_t>::max()))
		return "a bitmap of " + std::to_string(bits) +
		       " bits is more than QEMU's int32_t bitmap_size can count";
	if (bits == 0 || bits > region_size / block_size || bits * block_size != region_size)
		return "a bitmap of " + std::to_string(bits) + " bits does not cover its " +
		       hex(region_size) + " bytes in blocks of " + hex(block_size);
	return {};
}

std::vector<RegionSection> plugged_sections(const PluggedBitmap &bitmap,
					    const RegionSection &section)
{
	std::vector<RegionSection> out;
	constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
	uint64_t end = section.offset + std::min(section.size, max - section.offset);
	uint64_t first = next_bit(bitmap, section.offset / bitmap.block_size, true);
	while (first < bitmap.bits) {
		uint64_t after = next_bit(bitmap, first + 1, false); // the run is [first, after)
		uint64_t start = std::max(section.offset, first * bitmap.block_size);
		uint64_t stop = std::min(end, after * bitmap.block_size);
		// Runs are visited in order from the block holding the section's start, so the
		// first that misses the section lies past its end, as do all after it.
		if (stop <= start)
			break;
		out.push_back({section.guest + (start - section.offset), start, stop - start});
		first = next_bit(bitmap, after, true);
	}
	return out;
}

} // namespace vmcorefs
