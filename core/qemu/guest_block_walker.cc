#include "qemu/guest_block_walker.h"

#include <unordered_map>

#include "base/byte_order.h"
#include "base/text_escape.h"
#include "qemu/qom_type.h"
#include "qemu/ram_discard_manager.h"

namespace vmcorefs {
namespace {

// A FlatView has one range per distinct piece of the guest's physical map; QEMU machines have
// tens to a few thousands. More than this is a corrupt count, not a machine.
constexpr uint64_t max_flat_ranges = 1 << 20;

// The fields of QEMU's structures the walk needs, looked up once.
struct Layouts {
	Field as_current_map, fv_ranges, fv_nr;
	uint64_t flat_range_stride = 0;
	Field fr_mr, fr_offset_in_region, fr_start, fr_size;
	Field mr_ram, mr_ram_device, mr_nonvolatile, mr_ram_block, mr_size;
	std::optional<Field> mr_rdm; // RamDiscardManager, QEMU 6.2+
	Field rb_host, rb_used_length, rb_mr;
};

Result<Layouts> look_up_layouts(QemuReader &r)
{
	Layouts l;
	auto as = r.layout("AddressSpace");
	auto fv = r.layout("FlatView");
	auto fr = r.layout("FlatRange");
	auto mr = r.layout("MemoryRegion");
	auto rb = r.layout("RAMBlock");
	for (const Error *e :
	     {as ? nullptr : &as.error(), fv ? nullptr : &fv.error(), fr ? nullptr : &fr.error(),
	      mr ? nullptr : &mr.error(), rb ? nullptr : &rb.error()})
		if (e)
			return *e;
	VMCOREFS_TRY(as->fields({{"current_map", &l.as_current_map}}));
	VMCOREFS_TRY(fv->fields({{"ranges", &l.fv_ranges}, {"nr", &l.fv_nr}}));
	VMCOREFS_TRY(fr->fields({{"mr", &l.fr_mr},
				 {"offset_in_region", &l.fr_offset_in_region},
				 {"addr.start", &l.fr_start},
				 {"addr.size", &l.fr_size}}));
	VMCOREFS_TRY(mr->fields({{"ram", &l.mr_ram},
				 {"ram_device", &l.mr_ram_device},
				 {"nonvolatile", &l.mr_nonvolatile},
				 {"ram_block", &l.mr_ram_block},
				 {"size", &l.mr_size}}));
	VMCOREFS_TRY(rb->fields(
		{{"host", &l.rb_host}, {"used_length", &l.rb_used_length}, {"mr", &l.rb_mr}}));
	l.flat_range_stride = fr->size();
	if (auto rdm = mr->field({"rdm"})) // optional: recorded in --info -v either way
		l.mr_rdm = *rdm;
	return l;
}

// What the walk needs to know of one terminal MemoryRegion.
struct RegionFacts {
	bool dumped = false;          // RAM, not a RAM device, not non-volatile
	uint64_t discard_manager = 0; // MemoryRegion.rdm: only its populated parts are dumped
	uint64_t size = 0;            // MemoryRegion.size
	uint64_t host = 0;            // ram_block->host
	uint64_t used_length = 0;     // ram_block->used_length: the part of the host memory in use
};

// A FlatRange's MemoryRegion, checked to be one: a damaged pointer would otherwise read some
// other memory's bytes as the region's flags and silently drop (or invent) guest RAM.
Result<RegionFacts> read_region(QemuReader &r, const Layouts &l, uint64_t fr, uint64_t mr)
{
	auto is_region = qom_object_is_a(r, mr, "memory-region");
	if (!is_region || !*is_region) {
		std::string what;
		if (!is_region)
			what = is_region.error().message;
		else if (auto type = qom_type_name(r, mr))
			what = "a " + printable(*type);
		else
			what = type.error().message;
		return make_error(ErrorCode::bad_structure, r.core().path(),
				  "FlatRange at " + hex(fr) + " points at " + hex(mr) +
					  ", which is not a MemoryRegion (" + what + ")",
				  fr);
	}
	RegionFacts facts;
	auto ram = r.read_bool(mr, l.mr_ram);
	auto device = r.read_bool(mr, l.mr_ram_device);
	auto nonvolatile = r.read_bool(mr, l.mr_nonvolatile);
	for (auto *v : {&ram, &device, &nonvolatile})
		if (!*v)
			return v->take_error();
	facts.dumped = *ram && !*device && !*nonvolatile;
	if (!facts.dumped)
		return facts;
	if (l.mr_rdm) {
		auto rdm = r.read_uint(mr, *l.mr_rdm);
		if (!rdm)
			return rdm.take_error();
		facts.discard_manager = *rdm;
	}
	auto block = r.read_uint(mr, l.mr_ram_block);
	if (!block)
		return block.take_error();
	if (*block == 0)
		return make_error(ErrorCode::bad_structure, r.core().path(),
				  "RAM MemoryRegion at " + hex(mr) + " has no RAMBlock", mr);
	auto size = r.read_int128(mr, l.mr_size);
	auto host = r.read_uint(*block, l.rb_host);
	auto used = r.read_uint(*block, l.rb_used_length);
	auto owner = r.read_uint(*block, l.rb_mr);
	for (auto *v : {&size, &host, &used, &owner})
		if (!*v)
			return v->take_error();
	if (*owner != mr)
		return make_error(ErrorCode::bad_structure, r.core().path(),
				  "the RAMBlock at " + hex(*block) + " of the MemoryRegion at " +
					  hex(mr) + " belongs to the MemoryRegion at " +
					  hex(*owner),
				  *block);
	facts.size = *size;
	facts.host = *host;
	facts.used_length = *used;
	return facts;
}

// A FlatRange shows part of its MemoryRegion, whose bytes are the first used_length bytes of the
// RAMBlock's host memory. A range past either end would serve whatever QEMU has mapped after them
// as guest RAM: refused, naming the field.
Result<void> check_range_in_region(QemuReader &r, uint64_t fr, uint64_t mr,
				   const RegionFacts &region, uint64_t offset, uint64_t size)
{
	uint64_t end;
	if (add_overflows(offset, size, &end))
		end = UINT64_MAX;
	const char *limit = end > region.size          ? "MemoryRegion.size"
			    : end > region.used_length ? "RAMBlock.used_length"
						       : nullptr;
	if (!limit)
		return {};
	return make_error(ErrorCode::bad_structure, r.core().path(),
			  "FlatRange at " + hex(fr) + " shows " + hex(size) + " bytes at offset " +
				  hex(offset) + " of the MemoryRegion at " + hex(mr) +
				  ", past its end (" + limit + " " +
				  hex(end > region.size ? region.size : region.used_length) + ")",
			  fr);
}

// guest_phys_block_add_section's rule: merge only with the last block.
void add_section(std::vector<GuestBlock> &blocks, std::vector<uint64_t> &regions, uint64_t start,
		 uint64_t size, uint64_t host, uint64_t mr)
{
	if (!blocks.empty()) {
		GuestBlock &last = blocks.back();
		if (last.end == start && last.host + (last.end - last.start) == host &&
		    regions.back() == mr) {
			last.end = start + size;
			return;
		}
	}
	blocks.push_back({start, start + size, host});
	regions.push_back(mr);
}

// guest_phys_blocks_region_add for a section of a dumped region: the whole section, or, when a
// RamDiscardManager manages the region, each of its populated pieces as a section of its own.
Result<void> add_region_section(std::vector<GuestBlock> &blocks, std::vector<uint64_t> &regions,
				RamDiscardManagers &managers, const RegionFacts &region,
				uint64_t mr, const RegionSection &section)
{
	if (!region.discard_manager) {
		add_section(blocks, regions, section.guest, section.size,
			    region.host + section.offset, mr);
		return {};
	}
	auto pieces = managers.populated(mr, region.discard_manager, section);
	if (!pieces)
		return pieces.take_error();
	for (const RegionSection &piece : *pieces)
		add_section(blocks, regions, piece.guest, piece.size, region.host + piece.offset,
			    mr);
	return {};
}

} // namespace

Result<std::vector<GuestBlock>> walk_guest_blocks(QemuReader &r)
{
	auto layouts = look_up_layouts(r);
	if (!layouts)
		return layouts.take_error();
	const Layouts &l = *layouts;
	auto as = r.global("address_space_memory");
	if (!as)
		return as.take_error();
	auto view = r.read_uint(*as, l.as_current_map);
	if (!view)
		return view.take_error();
	auto ranges = r.read_uint(*view, l.fv_ranges);
	auto nr = r.read_uint(*view, l.fv_nr);
	if (!ranges || !nr) { // a FlatView pointer outside the core's memory, say
		Error e = ranges ? nr.take_error() : ranges.take_error();
		e.message = "address_space_memory.current_map (FlatView) " + hex(*view) + ": " +
			    e.message;
		return e;
	}
	if (*nr > max_flat_ranges)
		return make_error(ErrorCode::bad_structure, r.core().path(),
				  "address_space_memory's FlatView at " + hex(*view) + " claims " +
					  std::to_string(*nr) + " ranges",
				  *view);

	std::vector<GuestBlock> blocks;
	std::vector<uint64_t> block_regions; // the MemoryRegion of each block, for the merge rule
	std::unordered_map<uint64_t, RegionFacts> regions;
	RamDiscardManagers managers(r);
	for (uint64_t i = 0; i < *nr; i++) {
		uint64_t fr = *ranges + i * l.flat_range_stride;
		auto mr = r.read_uint(fr, l.fr_mr);
		auto offset = r.read_uint(fr, l.fr_offset_in_region);
		auto start = r.read_int128(fr, l.fr_start);
		auto size = r.read_int128(fr, l.fr_size);
		for (auto *v : {&mr, &offset, &start, &size})
			if (!*v)
				return v->take_error();
		auto it = regions.find(*mr);
		if (it == regions.end()) {
			auto facts = read_region(r, l, fr, *mr);
			if (!facts)
				return facts.take_error();
			it = regions.emplace(*mr, *facts).first;
		}
		const RegionFacts &region = it->second;
		if (!region.dumped)
			continue;
		VMCOREFS_TRY(check_range_in_region(r, fr, *mr, region, *offset, *size));
		if (!blocks.empty() && blocks.back().end > *start)
			return make_error(ErrorCode::bad_structure, r.core().path(),
					  "FlatView ranges at " + hex(*ranges) + " are not sorted",
					  fr);
		VMCOREFS_TRY(add_region_section(blocks, block_regions, managers, region, *mr,
						{*start, *offset, *size}));
	}
	return blocks;
}

} // namespace vmcorefs
