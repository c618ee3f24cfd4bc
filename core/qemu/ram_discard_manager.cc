#include "qemu/ram_discard_manager.h"

#include "qemu/qom_type.h"

namespace vmcorefs {

Result<std::vector<RegionSection>> RamDiscardManagers::populated(uint64_t mr, uint64_t manager,
								 const RegionSection &section)
{
	auto it = bitmaps_.find(manager);
	if (it == bitmaps_.end()) {
		auto type = qom_type_name(r_, manager);
		if (!type)
			return type.take_error();
		if (*type != "virtio-mem")
			return make_error(ErrorCode::unsupported, r_.core().path(),
					  "guest RAM at " + hex(section.guest) +
						  " is managed by a RamDiscardManager of type '" +
						  *type + "', which vmcorefs cannot read",
					  manager);
		auto bitmap = read_virtio_mem(manager, mr);
		if (!bitmap)
			return bitmap.take_error();
		it = bitmaps_.emplace(manager, std::move(*bitmap)).first;
	}
	return plugged_sections(it->second, section);
}

// VirtIOMEM's bitmap, checked against the region it manages: QEMU makes it one bit per block of
// memdev->mr (virtio_mem_device_realize), and replays only sections of that region.
Result<PluggedBitmap> RamDiscardManagers::read_virtio_mem(uint64_t device, uint64_t mr)
{
	auto vmem = r_.layout("VirtIOMEM");
	auto backend = r_.layout("HostMemoryBackend");
	auto region = r_.layout("MemoryRegion");
	for (auto *l : {&vmem, &backend, &region})
		if (!*l)
			return l->take_error();
	Field bitmap, bits, block_size, memdev, backend_mr, region_size;
	VMCOREFS_TRY(vmem->fields({{"bitmap", &bitmap},
				   {"bitmap_size", &bits},
				   {"block_size", &block_size},
				   {"memdev", &memdev}}));
	VMCOREFS_TRY(backend->fields({{"mr", &backend_mr}}));
	VMCOREFS_TRY(region->fields({{"size", &region_size}}));

	auto backend_at = r_.read_uint(device, memdev);
	if (!backend_at)
		return backend_at.take_error();
	if (*backend_at + backend_mr.offset != mr)
		return make_error(ErrorCode::bad_structure, r_.core().path(),
				  "virtio-mem device at " + hex(device) +
					  " does not manage the MemoryRegion at " + hex(mr) +
					  " that names it",
				  device);
	auto size = r_.read_int128(mr, region_size);
	auto count = r_.read_uint(device, bits); // int32_t: a negative count reads as >= 2^31
	auto block = r_.read_uint(device, block_size);
	auto at = r_.read_uint(device, bitmap);
	for (auto *v : {&size, &count, &block, &at})
		if (!*v)
			return v->take_error();
	if (std::string why = bitmap_mismatch(*block, *count, *size); !why.empty())
		return make_error(ErrorCode::bad_structure, r_.core().path(),
				  "virtio-mem device at " + hex(device) + ": " + why, device);

	PluggedBitmap out;
	out.block_size = *block;
	out.bits = *count;
	out.bytes.resize((*count + 7) / 8);
	VMCOREFS_TRY(r_.read_bytes(*at, out.bytes.data(), out.bytes.size(),
				   "the bitmap of virtio-mem device " + hex(device)));
	return out;
}

} // namespace vmcorefs
