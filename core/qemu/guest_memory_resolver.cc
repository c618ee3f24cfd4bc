#include "qemu/guest_memory_resolver.h"

#include <algorithm>

namespace vmcorefs {

void resolve_guest_memory(const ProcessCore &core, GuestMemoryMap &map)
{
	for (const GuestBlock &block : map.blocks) {
		GuestSegment segment;
		auto close_segment = [&] {
			if (!segment.chunks.empty())
				map.segments.push_back(std::move(segment));
			segment = GuestSegment{};
		};
		for (const CorePiece &piece : core.translate(block.host, block.end - block.start)) {
			uint64_t guest = block.start + (piece.vaddr - block.host);
			if (!piece.present()) {
				close_segment();
				map.absent.push_back(
					{guest, guest + piece.length, piece.vaddr, piece.reason});
				continue;
			}
			if (segment.chunks.empty())
				segment.start = guest;
			segment.end = guest + piece.length;
			segment.chunks.push_back({guest, piece.length, *piece.file_offset});
		}
		close_segment();
	}
}

} // namespace vmcorefs

namespace vmcorefs {

Result<void> read_guest_physical(const ProcessCore &core, const GuestMemoryMap &map, uint64_t paddr,
				 void *dst, size_t length)
{
	auto *out = static_cast<std::byte *>(dst);
	while (length > 0) {
		auto seg = std::upper_bound(map.segments.begin(), map.segments.end(), paddr,
					    [](uint64_t a, const GuestSegment &s) {
						    return a < s.start;
					    });
		if (seg == map.segments.begin() || paddr >= (--seg)->end)
			return make_error(ErrorCode::absent, core.path(),
					  "guest physical address " + hex(paddr) +
						  " is not in the core",
					  paddr);
		auto chunk = std::upper_bound(seg->chunks.begin(), seg->chunks.end(), paddr,
					      [](uint64_t a, const GuestChunk &c) {
						      return a < c.guest;
					      });
		--chunk;
		uint64_t within = paddr - chunk->guest;
		uint64_t n = std::min<uint64_t>(length, chunk->length - within);
		VMCOREFS_TRY(core.source().read(chunk->core_offset + within, out, n));
		out += n, paddr += n, length -= n;
	}
	return {};
}

} // namespace vmcorefs
