#include "vmcore/extent_table.h"

#include <algorithm>
#include <cassert>

#include "base/file_runs.h"

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

// The first offset of core extent e at or after served offset `from` that is in a hole of the core
// (hole true) or in its data, by FileRuns' rule that bytes past the core's end (a core that
// shrank) are data, never a hole a copy may fill with zeros; nullopt when there is none in e.
std::optional<uint64_t> first_in_core(const Extent &e, uint64_t from, bool hole, FileRuns &runs)
{
	uint64_t end = e.source_offset + e.length;
	for (uint64_t at = e.source_offset + (from - e.offset); at < end;) {
		FileRun run = runs.at(at);
		if (run.hole == hole)
			return e.offset + (at - e.source_offset);
		at = run.end;
	}
	return std::nullopt;
}

} // namespace

std::optional<uint64_t> ExtentTable::seek_data(uint64_t offset, int core_fd) const
{
	FileRuns runs(core_fd);
	for (const Extent &e : find(offset, size_ - std::min(offset, size_))) {
		uint64_t from = std::max(offset, e.offset);
		if (e.source != Extent::Source::core)
			return from;
		if (auto data = first_in_core(e, from, false, runs))
			return data;
	}
	return std::nullopt;
}

std::optional<uint64_t> ExtentTable::seek_hole(uint64_t offset, int core_fd) const
{
	if (offset >= size_)
		return std::nullopt;
	FileRuns runs(core_fd);
	for (const Extent &e : find(offset, size_ - offset))
		if (e.source == Extent::Source::core)
			if (auto hole = first_in_core(e, std::max(offset, e.offset), true, runs))
				return hole;
	return size_;
}

} // namespace vmcorefs
