// ExtentTable: how the bytes of one served file (guest.vmcore, a blocks/ file, a ramblocks/ file)
// are made. An immutable, sorted list of extents that cover [0, size()) without gaps; built once,
// read by any number of threads without locks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace vmcorefs {

struct Extent {
	enum class Source : uint8_t {
		generated, // bytes of the table's generated buffer, at source_offset
		core,      // bytes of the core file, at source_offset
		absent,    // memory the core does not hold: reading it is an error (EIO)
	};
	uint64_t offset = 0; // in the served file
	uint64_t length = 0;
	Source source = Source::generated;
	uint64_t source_offset = 0;
};

class ExtentTable {
public:
	ExtentTable() = default;
	// generated: the bytes Source::generated extents point into (ELF headers and notes).
	// Precondition: extents are sorted and contiguous from offset 0; empty ones are dropped.
	ExtentTable(std::vector<Extent> extents, std::vector<std::byte> generated);

	uint64_t size() const { return size_; }
	std::span<const Extent> extents() const { return extents_; }
	std::span<const std::byte> generated() const { return generated_; }
	// The extents overlapping [offset, offset + length), first one by binary search.
	std::span<const Extent> find(uint64_t offset, uint64_t length) const;
	// Calls visit(piece) for each extent overlapping [offset, offset + length), cut to that
	// range (its offset, length and source_offset moved with the cut), in order, until visit
	// returns false; returns false then. The one place extents become byte ranges to serve.
	template <typename Visit>
	bool for_each_piece(uint64_t offset, uint64_t length, Visit &&visit) const
	{
		uint64_t end = length > size_ - std::min(offset, size_) ? size_ : offset + length;
		for (const Extent &e : find(offset, length)) {
			uint64_t from = std::max(offset, e.offset);
			uint64_t to = std::min(end, e.offset + e.length);
			if (!visit(Extent{from, to - from, e.source,
					  e.source_offset + (from - e.offset)}))
				return false;
		}
		return true;
	}

	// lseek(2)'s SEEK_DATA and SEEK_HOLE for the served file: the first offset at or after
	// `offset` that is data, or that is in a hole (the end of the file counts as a hole);
	// nullopt means ENXIO (offset at or past the end, or no data after it). Holes are those of
	// the core file under core extents, as FileRuns finds them on core_fd (which moves that
	// fd's file position; -1, or a source that cannot tell, counts all core bytes as data).
	// Generated and absent extents are data: absent memory must reach a reader as EIO, not be
	// skipped as zeros by cp --sparse.
	std::optional<uint64_t> seek_data(uint64_t offset, int core_fd) const;
	std::optional<uint64_t> seek_hole(uint64_t offset, int core_fd) const;

private:
	std::vector<Extent> extents_;
	std::vector<std::byte> generated_;
	uint64_t size_ = 0;
};

} // namespace vmcorefs
