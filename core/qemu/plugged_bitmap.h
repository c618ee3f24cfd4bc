// Which parts of a virtio-mem device's memory the guest has plugged, and the pieces of a
// FlatView section that QEMU's dump-guest-memory keeps because of it. QEMU dumps a RAM region
// that has a RamDiscardManager only where the manager says it is populated; for virtio-mem that is
// where the device's bitmap has a bit set, one bit per block of the region
// (virtio_mem_rdm_replay_populated in hw/virtio/virtio-mem.c, 6.2 to 10.x).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vmcorefs {

// A MemoryRegionSection in the terms the dump uses: `size` bytes of a MemoryRegion from
// `offset` into it, mapped at guest-physical `guest`.
struct RegionSection {
	uint64_t guest = 0;
	uint64_t offset = 0;
	uint64_t size = 0;
	bool operator==(const RegionSection &) const = default;
};

// VirtIOMEM's bitmap: bit i set = block i of the memory region (bytes [i * block_size,
// (i + 1) * block_size)) is plugged. QEMU keeps it as an array of unsigned longs; on a
// little-endian host bit i is bit i % 8 of byte i / 8 whatever the word size, so bytes hold it.
struct PluggedBitmap {
	uint64_t block_size = 0;
	uint64_t bits = 0;
	std::vector<uint8_t> bytes; // at least (bits + 7) / 8

	bool plugged(uint64_t bit) const { return bytes[bit / 8] >> (bit % 8) & 1; }
};

// Why a bitmap cannot describe a region of region_size bytes (QEMU makes block_size a power of two
// and bits = region_size / block_size, an int32_t); empty when it can.
std::string bitmap_mismatch(uint64_t block_size, uint64_t bits, uint64_t region_size);

// The plugged parts of `section`, in guest-physical order, one per run of set bits that meets
// it, cut to the section: the pieces virtio-mem replays to the dump, each of which QEMU then adds
// like any other section. `bitmap` must have passed bitmap_mismatch for the section's region.
std::vector<RegionSection> plugged_sections(const PluggedBitmap &bitmap,
					    const RegionSection &section);

} // namespace vmcorefs
