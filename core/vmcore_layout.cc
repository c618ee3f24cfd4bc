#include "vmcore_layout.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <elf.h>

#include "byte_order.h"

namespace vmcorefs {
namespace {

constexpr uint64_t ehdr_size = 64;
constexpr uint64_t phdr_size = 56;
constexpr uint64_t shdr_size = 64;
static_assert(sizeof(Elf64_Ehdr) == ehdr_size && sizeof(Elf64_Phdr) == phdr_size &&
	      sizeof(Elf64_Shdr) == shdr_size);

// A program header before it is encoded. The offsets of PT_LOADs count from the start of guest
// memory until place_loads() adds memory_offset, which depends on how many headers there are.
struct ProgramHeader {
	uint32_t type = PT_LOAD;
	uint64_t offset = 0;
	uint64_t vaddr = 0;
	uint64_t paddr = 0;
	uint64_t size = 0; // p_filesz and p_memsz
};

// Where the parts of guest.vmcore go.
struct Geometry {
	uint64_t phnum = 0;         // program headers, PT_NOTE included
	uint64_t shdr_offset = 0;   // 0: no section header
	uint64_t notes_offset = 0;
	uint64_t memory_offset = 0; // also the size of the generated prefix
};

Error structure_error(const std::string &message, uint64_t at)
{
	return make_error(ErrorCode::bad_structure, "", message, at);
}

// The chunks of a segment must tile it: every chunk becomes one extent, placed by its guest
// address, so a gap or an overlap would shift all the bytes after it.
Result<void> check_chunks(const GuestSegment &segment)
{
	uint64_t next = segment.start;
	for (const GuestChunk &chunk : segment.chunks) {
		uint64_t end;
		if (chunk.guest != next || chunk.length == 0 ||
		    add_overflows(chunk.guest, chunk.length, &end) || end > segment.end)
			return structure_error("guest chunks do not tile their segment",
					       chunk.guest);
		next = end;
	}
	if (next != segment.end)
		return structure_error("guest chunks end before their segment", next);
	return {};
}

Result<void> check_segments(const GuestMemoryMap &map)
{
	uint64_t previous_end = 0;
	for (size_t i = 0; i < map.segments.size(); i++) {
		const GuestSegment &segment = map.segments[i];
		if (segment.start >= segment.end)
			return structure_error("empty guest segment", segment.start);
		if (i > 0 && segment.start < previous_end)
			return structure_error("guest segments overlap or are out of order",
					       segment.start);
		VMCOREFS_TRY(check_chunks(segment));
		previous_end = segment.end;
	}
	return {};
}

// One PT_LOAD per guest segment, in guest order, their bytes back to back.
// PT_LOADs with offsets counted from the start of guest memory: one per segment, then one per
// alias, pointing at the bytes of the segment that holds the alias's physical range.
std::vector<ProgramHeader> ram_load_headers(const GuestMemoryMap &map)
{
	std::vector<ProgramHeader> loads;
	loads.reserve(map.segments.size() + map.aliases.size());
	uint64_t offset = 0;
	for (const GuestSegment &segment : map.segments) {
		uint64_t size = segment.end - segment.start;
		loads.push_back({PT_LOAD, offset, segment.start, segment.start, size});
		offset += size;
	}
	for (const MemoryAlias &alias : map.aliases)
		for (size_t i = 0; i < map.segments.size(); i++) {
			const GuestSegment &s = map.segments[i];
			if (alias.paddr >= s.start && alias.paddr < s.end &&
			    alias.length <= s.end - alias.paddr)
				loads.push_back({PT_LOAD, loads[i].offset + (alias.paddr - s.start),
						 alias.vaddr, alias.paddr, alias.length});
		}
	return loads;
}

uint64_t align_up(uint64_t value, uint64_t alignment)
{
	return (value + alignment - 1) / alignment * alignment;
}

Result<Geometry> place(uint64_t load_count, uint64_t notes_size)
{
	Geometry g;
	g.phnum = load_count + 1;
	if (g.phnum > UINT32_MAX) // Elf64_Shdr.sh_info is 32 bits
		return make_error(ErrorCode::unsupported, "",
				  "too many guest segments for one ELF file: " +
					  std::to_string(load_count));
	uint64_t headers_end = ehdr_size + phdr_size * g.phnum;
	if (g.phnum >= PN_XNUM) {
		g.shdr_offset = headers_end;
		headers_end += shdr_size;
	}
	g.notes_offset = headers_end;
	g.memory_offset = align_up(g.notes_offset + notes_size, vmcore_memory_alignment);
	return g;
}

// Sequential little-endian stores, in the field order of the ELF structures.
class FieldWriter {
public:
	explicit FieldWriter(std::byte *at) : p_(at) {}
	template <typename T> FieldWriter &put(T value)
	{
		store_le<T>(p_, value);
		p_ += sizeof value;
		return *this;
	}

private:
	std::byte *p_;
};

void write_elf_header(std::byte *at, const Geometry &g, uint16_t machine)
{
	const uint8_t ident[EI_NIDENT] = {ELFMAG0,    ELFMAG1,    ELFMAG2,    ELFMAG3,
					  ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE};
	std::memcpy(at, ident, sizeof ident);
	bool xnum = g.shdr_offset != 0;
	FieldWriter(at + EI_NIDENT)
		.put<uint16_t>(ET_CORE)
		.put<uint16_t>(machine)
		.put<uint32_t>(EV_CURRENT)
		.put<uint64_t>(0) // e_entry
		.put<uint64_t>(ehdr_size)
		.put<uint64_t>(g.shdr_offset)
		.put<uint32_t>(0) // e_flags
		.put<uint16_t>(ehdr_size)
		.put<uint16_t>(phdr_size)
		.put<uint16_t>(xnum ? PN_XNUM : static_cast<uint16_t>(g.phnum))
		.put<uint16_t>(xnum ? shdr_size : 0)
		.put<uint16_t>(xnum ? 1 : 0)
		.put<uint16_t>(SHN_UNDEF); // e_shstrndx: no section names
}

void write_program_header(std::byte *at, const ProgramHeader &h)
{
	FieldWriter(at)
		.put<uint32_t>(h.type)
		.put<uint32_t>(0) // p_flags, as QEMU
		.put<uint64_t>(h.offset)
		.put<uint64_t>(h.vaddr)
		.put<uint64_t>(h.paddr)
		.put<uint64_t>(h.size)
		.put<uint64_t>(h.size)
		.put<uint64_t>(0); // p_align, as QEMU
}

// Section header 0 of a PN_XNUM file: all zero but sh_info, the real program header count.
void write_xnum_section_header(std::byte *at, uint64_t phnum)
{
	FieldWriter(at)
		.put<uint32_t>(0)        // sh_name
		.put<uint32_t>(SHT_NULL) // sh_type
		.put<uint64_t>(0)        // sh_flags
		.put<uint64_t>(0)        // sh_addr
		.put<uint64_t>(0)        // sh_offset
		.put<uint64_t>(0)        // sh_size
		.put<uint32_t>(0)        // sh_link
		.put<uint32_t>(static_cast<uint32_t>(phnum))
		.put<uint64_t>(0)  // sh_addralign
		.put<uint64_t>(0); // sh_entsize
}

// Headers, notes and the zero padding up to memory_offset.
std::vector<std::byte> generate_prefix(const Geometry &g, const std::vector<ProgramHeader> &loads,
				       const GuestMemoryMap &map)
{
	std::vector<std::byte> prefix(g.memory_offset);
	write_elf_header(prefix.data(), g, map.elf_machine);
	// crash takes phdr[0] for the PT_NOTE without looking, even when there are no notes.
	ProgramHeader note{PT_NOTE, g.notes_offset, 0, 0, map.notes.size()};
	write_program_header(prefix.data() + ehdr_size, note);
	for (size_t i = 0; i < loads.size(); i++)
		write_program_header(prefix.data() + ehdr_size + phdr_size * (i + 1), loads[i]);
	if (g.shdr_offset)
		write_xnum_section_header(prefix.data() + g.shdr_offset, g.phnum);
	std::copy(map.notes.begin(), map.notes.end(), prefix.begin() + g.notes_offset);
	return prefix;
}

std::vector<Extent> memory_extents(const GuestMemoryMap &map, uint64_t memory_offset)
{
	std::vector<Extent> extents;
	extents.push_back({0, memory_offset, Extent::Source::generated, 0});
	uint64_t offset = memory_offset;
	for (const GuestSegment &segment : map.segments)
		for (const GuestChunk &chunk : segment.chunks) {
			extents.push_back(
				{offset, chunk.length, Extent::Source::core, chunk.core_offset});
			offset += chunk.length;
		}
	return extents;
}

Result<void> check_file_size(const Geometry &g, const GuestMemoryMap &map)
{
	// Disjoint segments below 2^64 add up to less than 2^64; with the prefix they may not.
	uint64_t memory_size = 0;
	for (const GuestSegment &segment : map.segments)
		memory_size += segment.end - segment.start;
	uint64_t file_size;
	if (add_overflows(g.memory_offset, memory_size, &file_size))
		return structure_error("guest.vmcore would be larger than 2^64 bytes", memory_size);
	return {};
}

} // namespace

Result<ExtentTable> build_vmcore_table(const GuestMemoryMap &map)
{
	VMCOREFS_TRY(check_segments(map));
	std::vector<ProgramHeader> loads = ram_load_headers(map);
	auto g = place(loads.size(), map.notes.size());
	if (!g)
		return g.take_error();
	VMCOREFS_TRY(check_file_size(*g, map));
	for (ProgramHeader &h : loads)
		h.offset += g->memory_offset;
	return ExtentTable(memory_extents(map, g->memory_offset), generate_prefix(*g, loads, map));
}

ExtentTable build_segment_table(const GuestSegment &segment)
{
	std::vector<Extent> extents;
	extents.reserve(segment.chunks.size());
	for (const GuestChunk &chunk : segment.chunks)
		extents.push_back({chunk.guest - segment.start, chunk.length, Extent::Source::core,
				   chunk.core_offset});
	return ExtentTable(std::move(extents), {});
}

std::string segment_file_name(const GuestSegment &segment)
{
	char name[2 * 16 + 2];
	std::snprintf(name, sizeof name, "%016" PRIx64 "-%016" PRIx64, segment.start, segment.end);
	return name;
}

ExtentTable build_ramblock_table(const RamBlockInfo &block)
{
	// The pieces tile [host, host + used_length) in order (ProcessCore::translate).
	std::vector<Extent> extents;
	extents.reserve(block.pieces.size());
	uint64_t offset = 0;
	for (const CorePiece &piece : block.pieces) {
		if (piece.present())
			extents.push_back(
				{offset, piece.length, Extent::Source::core, *piece.file_offset});
		else
			extents.push_back({offset, piece.length, Extent::Source::absent, 0});
		offset += piece.length;
	}
	return ExtentTable(std::move(extents), {});
}

std::string ramblock_file_name(const std::string &idstr)
{
	if (idstr.empty())
		return "%00";
	if (idstr == "." || idstr == "..")
		return idstr == "." ? "%2E" : "%2E%2E";
	std::string name;
	for (char c : idstr) {
		auto byte = static_cast<unsigned char>(c);
		if (byte > ' ' && byte < 0x7f && c != '/' && c != '%') {
			name += c;
			continue;
		}
		char escaped[4];
		std::snprintf(escaped, sizeof escaped, "%%%02X", byte);
		name += escaped;
	}
	return name;
}

} // namespace vmcorefs
