// The RamDiscardManager of a RAM MemoryRegion (MemoryRegion.rdm, QEMU 6.2 on): QEMU's
// dump-guest-memory keeps only the parts of such a region that its manager says are populated.
// The manager is identified by its QOM type; virtio-mem's plugged bitmap is read from the core.
// Any other type (ram-block-attributes for guest_memfd, in QEMUs after 10.0) is refused by name:
// what it would call populated is not guessed.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "qemu/plugged_bitmap.h"
#include "qemu/qemu_reader.h"

namespace vmcorefs {

class RamDiscardManagers {
public:
	explicit RamDiscardManagers(const StructReader &reader) : r_(reader) {}

	// The populated parts of `section` of the MemoryRegion at `mr`, whose manager is at
	// `manager`, in guest-physical order. Each manager is read once, however many sections of
	// its region the FlatView has.
	Result<std::vector<RegionSection>> populated(uint64_t mr, uint64_t manager,
						     const RegionSection &section);

private:
	Result<PluggedBitmap> read_virtio_mem(uint64_t device, uint64_t mr);

	const StructReader &r_;
	std::unordered_map<uint64_t, PluggedBitmap> bitmaps_; // by manager
};

} // namespace vmcorefs
