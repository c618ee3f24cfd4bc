#include "extent_table.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <unistd.h>

namespace vmcorefs {

ExtentTable::ExtentTable(std::vector<Extent> extents, std::vector<std::byte> generated)
	: extents_(std::move(extents)), generated_(std::move(generated))
{
	// An empty extent would be "found" for ranges it holds nothing of.
	std::erase_if(extents_, [](const Extent &e) { return e.length == 0; });
	for (const Extent &e : extents_) {
		assert(e.offset == size_ && "extents must be sorted and contiguous");
		assert(e.source != Extent::Source::generated ||
		       e.source_offset + e.length <= generated_.size());
		size_ += e.length;
	}
}

std::span<const Extent> ExtentTable::find(uint64_t offset, uint64_t length) const
{
	if (length == 0 || offset >= size_)
		return {};
	uint64_t end = length > size_ - offset ? size_ : offset + length;
	auto by_offset = [](uint64_t value, const Extent &e) { return value < e.offset; };
	// The last extent starting at or before offset holds it: the table starts at 0.
	auto first = std::upper_bound(extents_.begin(), extents_.end(), offset, by_offset) - 1;
	auto last = std::upper_bound(first, extents_.end(), end - 1, by_offset);
	return {first, last};
}

namespace {

// The core's size now: it may have shrunk since it was mapped.
uint64_t core_end(int core_fd)
{
	off_t end = lseek(core_fd, 0, SEEK_END);
	return end < 0 ? UINT64_MAX : static_cast<uint64_t>(end);
}

// lseek(core_fd, ..., whence) from served offset `from` inside core extent e, mapped back to a
// served offset; nullopt when the answer lies past the end of e. Bytes past the core's end (a
// core that shrank) count as data, because reading them fails: they must never look like a hole
// that a copy may fill with zeros.
std::optional<uint64_t> seek_in_core(const Extent &e, uint64_t from, int whence, int core_fd)
{
	uint64_t source = e.source_offset + (from - e.offset);
	uint64_t source_end = e.source_offset + e.length;
	off_t found = lseek(core_fd, static_cast<off_t>(source), whence);
	if (found < 0 && errno != ENXIO) // a file system that cannot tell: all data, as lseek(2)
		return whence == SEEK_DATA ? std::optional(from) : std::nullopt;
	uint64_t at = static_cast<uint64_t>(found);
	if (whence == SEEK_DATA && found < 0) // no data up to the core's end
		at = std::max(source, core_end(core_fd));
	if (whence == SEEK_HOLE && found < 0)
		return std::nullopt;
	if (at >= source_end)
		return std::nullopt;
	// The hole lseek reports at the end of a shrunk core is not a hole of ours.
	if (whence == SEEK_HOLE && at >= core_end(core_fd))
		return std::nullopt;
	return e.offset + (at - e.source_offset);
}

} // namespace

std::optional<uint64_t> ExtentTable::seek_data(uint64_t offset, int core_fd) const
{
	for (const Extent &e : find(offset, size_ - std::min(offset, size_))) {
		uint64_t from = std::max(offset, e.offset);
		if (e.source != Extent::Source::core || core_fd < 0)
			return from;
		if (auto data = seek_in_core(e, from, SEEK_DATA, core_fd))
			return data;
	}
	return std::nullopt;
}

std::optional<uint64_t> ExtentTable::seek_hole(uint64_t offset, int core_fd) const
{
	if (offset >= size_)
		return std::nullopt;
	if (core_fd >= 0)
		for (const Extent &e : find(offset, size_ - offset)) {
			if (e.source != Extent::Source::core)
				continue;
			uint64_t from = std::max(offset, e.offset);
			if (auto hole = seek_in_core(e, from, SEEK_HOLE, core_fd))
				return hole;
		}
	return size_;
}

} // namespace vmcorefs
