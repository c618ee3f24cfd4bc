#include "qemu/vmcoreinfo_scan.h"

#include <algorithm>
#include <fcntl.h>
#include <vector>

#include "base/file_runs.h"

namespace vmcorefs {
namespace {

constexpr uint64_t page_size = 4096;
// How far a front moves in one turn. Large enough that a cold core is read in large requests,
// small enough that no front gets far ahead of the others in data (512 KiB measured the same).
constexpr uint64_t window = 2 << 20;
// Where Linux puts the note. 4.13 and later allocate it page-aligned from the page allocator
// early in boot, in the highest zone that has memory; older kernels keep it inside the kernel
// image, not page-aligned, which this scan does not look for. Depending on the version, the page
// allocator first hands out the bottom of a zone or the top of its free memory. Zones start at
// 16 MiB (DMA32) and 4 GiB (Normal) on x86; on arm64 at the bottom of RAM, a range's end anyway.
constexpr uint64_t zone_starts[] = {16 << 20, uint64_t{4} << 30};
// The top of free memory lies below what memblock allocated top-down at boot, most of which is
// the page array: a 64-byte struct page per 4 KiB page, 1/64 of RAM.
constexpr uint64_t page_array_share = 64;

// Guest RAM not yet scanned, [lo, hi) of one segment: its up front is lo, its down front hi.
struct Range {
	const GuestSegment *segment;
	uint64_t lo, hi;
};

// Where the fronts start besides the ends of the segments: the zone starts and the likely top of
// free memory.
std::vector<uint64_t> likely_places(const GuestMemoryMap &map)
{
	std::vector<uint64_t> places(std::begin(zone_starts), std::end(zone_starts));
	uint64_t ram = 0;
	for (const GuestSegment &segment : map.segments)
		ram += segment.end - segment.start;
	// The highest segment that can hold the page array: not a firmware ROM above RAM.
	for (auto s = map.segments.rbegin(); s != map.segments.rend(); ++s)
		if (s->end - s->start > ram / page_array_share) {
			places.push_back(s->end - ram / page_array_share);
			break;
		}
	std::sort(places.begin(), places.end());
	return places;
}

// Each segment split at the likely places inside it.
std::vector<Range> ranges_of(const GuestMemoryMap &map)
{
	std::vector<uint64_t> places = likely_places(map);
	std::vector<Range> out;
	for (const GuestSegment &segment : map.segments) {
		uint64_t lo = segment.start;
		for (uint64_t place : places)
			if (lo < place && place < segment.end) {
				out.push_back({&segment, lo, place});
				lo = place;
			}
		out.push_back({&segment, lo, segment.end});
	}
	return out;
}

class PageScanner {
public:
	PageScanner(const MemorySource &source, size_t probe_size, uint64_t limit,
		    const NoteCandidate &candidate)
		: source_(source), runs_(source.fd()), probe_(probe_size), limit_(limit),
		  candidate_(candidate)
	{
	}

	uint64_t examined() const { return examined_; }
	bool limit_reached() const { return limit_reached_; }

	// Offers the pages that start in guest [from, to) of `segment`; true when the scan is over:
	// a candidate accepted, a read failed, or a page of data is left when the limit is reached.
	bool scan(const GuestSegment &segment, uint64_t from, uint64_t to)
	{
		for (const GuestChunk &chunk : segment.chunks) {
			uint64_t chunk_end = chunk.guest + chunk.length;
			uint64_t start = std::max(from, chunk.guest), end = std::min(to, chunk_end);
			if (start < end && scan_chunk(segment, chunk, start, end))
				return true;
		}
		return false;
	}

private:
	bool scan_chunk(const GuestSegment &segment, const GuestChunk &chunk, uint64_t start,
			uint64_t end)
	{
		// Walked in core offsets, where the holes are; pages are guest-aligned.
		uint64_t core_start = chunk.core_offset + (start - chunk.guest);
		uint64_t core_end = core_start + (end - start);
		uint64_t chunk_core_end = chunk.core_offset + chunk.length;
		uint64_t skew = (chunk.guest - chunk.core_offset) & (page_size - 1);
		for (uint64_t pos = core_start; pos < core_end;) {
			FileRun run = runs_.at(pos);
			uint64_t stop = std::min(run.end, core_end);
			if (!run.hole) {
				// One request for the run's part of the window rather than a fault
				// per page; a process's memory has no page cache to fill and
				// answers ESPIPE.
				posix_fadvise(source_.fd(), static_cast<off_t>(pos),
					      static_cast<off_t>(stop - pos), POSIX_FADV_WILLNEED);
				uint64_t page =
					((pos + skew + page_size - 1) & ~(page_size - 1)) - skew;
				for (; page < stop; page += page_size) {
					if (examined_ >= limit_)
						return limit_reached_ = true;
					examined_ += page_size;
					size_t length = std::min<uint64_t>(probe_.size(),
									   chunk_core_end - page);
					if (!source_.read(page, probe_.data(), length))
						return true;
					uint64_t paddr = chunk.guest + (page - chunk.core_offset);
					if (candidate_(paddr, std::span(probe_.data(), length),
						       segment.end - paddr))
						return true;
				}
			}
			pos = stop;
		}
		return false;
	}

	const MemorySource &source_;
	FileRuns runs_;
	std::vector<std::byte> probe_; // the start of the page at hand
	uint64_t limit_;
	const NoteCandidate &candidate_;
	uint64_t examined_ = 0;
	bool limit_reached_ = false;
};

// The next window of r's up or down front, taken from r.
std::pair<uint64_t, uint64_t> take_window(Range &r, bool up)
{
	if (up) {
		uint64_t from = r.lo;
		r.lo = std::min(r.hi, (r.lo / window + 1) * window);
		return {from, r.lo};
	}
	uint64_t to = r.hi;
	r.hi = std::max(r.lo, (r.hi - 1) / window * window);
	return {r.hi, to};
}

// One end of a range, moving inward, and what it has cost so far: the bytes of data looked at.
struct Front {
	Range *range;
	bool up;
	uint64_t cost = 0;
};

// Moves the front that has cost least so far inward a window at a time: fronts in data move in
// step, and a front crossing holes, which cost nothing, goes on until it reaches data (a guest's
// RAM is mostly holes where the guest never wrote, and the note may lie in an island of data far
// from every likely place). Ends when the scanner says so or all is scanned.
void scan_ranges(std::vector<Range> &ranges, PageScanner &scanner)
{
	std::vector<Front> fronts;
	for (Range &r : ranges) {
		fronts.push_back({&r, true});
		fronts.push_back({&r, false});
	}
	for (;;) {
		Front *next = nullptr;
		for (Front &f : fronts)
			if (f.range->lo < f.range->hi && (!next || f.cost < next->cost))
				next = &f;
		if (!next)
			return;
		uint64_t before = scanner.examined();
		auto [from, to] = take_window(*next->range, next->up);
		bool over = scanner.scan(*next->range->segment, from, to);
		next->cost += scanner.examined() - before;
		if (over)
			return;
	}
}

} // namespace

VmcoreinfoScan scan_guest_pages(const MemorySource &source, const GuestMemoryMap &map,
				size_t probe_size, uint64_t limit, const NoteCandidate &candidate)
{
	PageScanner scanner(source, probe_size, limit, candidate);
	std::vector<Range> ranges = ranges_of(map);
	scan_ranges(ranges, scanner);
	return {scanner.examined(), scanner.limit_reached()};
}

} // namespace vmcorefs
