// Where to look for the guest kernel's VMCOREINFO note in guest RAM when no vmcoreinfo device says
// where it is, in what order, and how far. Each page of data looked at costs a read of the core,
// and a busy guest's RAM is mostly data, so the scan starts where the note is likely and stops at a
// limit rather than reading RAM from the bottom up (see vmcoreinfo_scan.cc for where Linux puts
// it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "qemu/guest_memory_map.h"
#include "source/memory_source.h"

namespace vmcorefs {

struct VmcoreinfoScan {
	uint64_t examined = 0;      // bytes of guest data looked at (whole pages)
	bool limit_reached = false; // stopped at the limit with guest data left unexamined
};

// A guest page that may hold the note: its guest-physical address, its first probe_size bytes
// (fewer only where the page's segment ends sooner), and how many bytes of the segment start there.
// Returns true to end the scan.
using NoteCandidate =
	std::function<bool(uint64_t paddr, std::span<const std::byte> start, uint64_t available)>;

// Offers the start of each page of guest data to `candidate`, likeliest places first, until it
// accepts one, every page has been offered, or `limit` bytes of data have been looked at. Holes of
// the core are skipped unread (they are zeros). A read that fails (a core that shrank, a process
// that went away) ends the scan.
VmcoreinfoScan scan_guest_pages(const MemorySource &source, const GuestMemoryMap &map,
				size_t probe_size, uint64_t limit, const NoteCandidate &candidate);

} // namespace vmcorefs
