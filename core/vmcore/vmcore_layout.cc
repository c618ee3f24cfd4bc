#include "vmcore/vmcore_layout.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <elf.h>

#include "base/byte_order.h"

namespace vmcorefs {
namespace {

// The sizes of the ELF structures of one class, and whether its addresses and offsets are 64-bit.
struct ClassSizes {
	uint64_t ehdr, phdr, shdr;
	bool wide;
};
constexpr ClassSizes elf64_sizes{sizeof(Elf64_Ehdr), sizeof(Elf64_Phdr), sizeof(Elf64_Shdr), true};
constexpr ClassSizes elf32_sizes{sizeof(Elf32_Ehdr), sizeof(Elf32_Phdr), sizeof(Elf32_Shdr), false};

const ClassSizes &sizes_of(ElfClass elf_class)
{
	return elf_class == ElfClass::elf32 ? elf32_sizes : elf64_sizes;
}

// A program header before it is encoded. The offsets of PT_LOADs count from the start of guest
// memory until build_vmcore_table() adds memory_offset, which depends on the number of headers.
struct ProgramHeader {
	uint32_t type = PT_LOAD;
	uint64_t offset = 0;
	uint64_t vaddr = 0;
	uint64_t paddr = 0;
	uint64_t size = 0; // p_filesz and p_memsz
};

// Where the parts of guest.vmcore go.
struct Geometry {
	ClassSizes sizes = elf64_sizes;
	uint64_t phnum = 0;       // program headers, PT_NOTE included
	uint64_t shdr_offset = 0; // 0: no section header
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

Result<Geometry> place(ElfClass elf_class, uint64_t load_count, uint64_t notes_size)
{
	Geometry g;
	g.sizes = sizes_of(elf_class);
	g.phnum = load_count + 1;
	if (g.phnum > UINT32_MAX) // sh_info is 32 bits in both classes
		return make_error(ErrorCode::unsupported, "",
				  "too many guest segments for one ELF file: " +
					  std::to_string(load_count));
	uint64_t headers_end = g.sizes.ehdr + g.sizes.phdr * g.phnum;
	if (g.phnum >= PN_XNUM) {
		g.shdr_offset = headers_end;
		headers_end += g.sizes.shdr;
	}
	g.notes_offset = headers_end;
	g.memory_offset = align_up(g.notes_offset + notes_size, vmcore_memory_alignment);
	return g;
}

// Sequential little-endian stores, in the field order of the ELF structures. word() stores an
// address, offset or size: 8 bytes in ELFCLASS64, 4 in ELFCLASS32.
class FieldWriter {
public:
	FieldWriter(std::byte *at, bool wide) : p_(at), wide_(wide) {}
	template <typename T> FieldWriter &put(T value)
	{
		store_le<T>(p_, value);
		p_ += sizeof value;
		return *this;
	}
	FieldWriter &word(uint64_t value)
	{
		return wide_ ? put<uint64_t>(value) : put<uint32_t>(static_cast<uint32_t>(value));
	}

private:
	std::byte *p_;
	bool wide_;
};

void write_elf_header(std::byte *at, const Geometry &g, uint16_t machine)
{
	const uint8_t elf_class = g.sizes.wide ? ELFCLASS64 : ELFCLASS32;
	const uint8_t ident[EI_NIDENT] = {ELFMAG0,   ELFMAG1,     ELFMAG2,    ELFMAG3,
					  elf_class, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE};
	std::memcpy(at, ident, sizeof ident);
	bool xnum = g.shdr_offset != 0;
	FieldWriter(at + EI_NIDENT, g.sizes.wide)
		.put<uint16_t>(ET_CORE)
		.put<uint16_t>(machine)
		.put<uint32_t>(EV_CURRENT)
		.word(0) // e_entry
		.word(g.sizes.ehdr)
		.word(g.shdr_offset)
		.put<uint32_t>(0) // e_flags
		.put<uint16_t>(static_cast<uint16_t>(g.sizes.ehdr))
		.put<uint16_t>(static_cast<uint16_t>(g.sizes.phdr))
		.put<uint16_t>(xnum ? PN_XNUM : static_cast<uint16_t>(g.phnum))
		.put<uint16_t>(xnum ? static_cast<uint16_t>(g.sizes.shdr) : 0)
		.put<uint16_t>(xnum ? 1 : 0)
		.put<uint16_t>(SHN_UNDEF); // e_shstrndx: no section names
}

// p_flags and p_align are 0, as QEMU writes them. ELFCLASS32 puts p_flags after p_memsz.
void write_program_header(std::byte *at, const ProgramHeader &h, bool wide)
{
	FieldWriter w(at, wide);
	w.put<uint32_t>(h.type);
	if (wide)
		w.put<uint32_t>(0); // p_flags
	w.word(h.offset).word(h.vaddr).word(h.paddr).word(h.size).word(h.size);
	if (!wide)
		w.put<uint32_t>(0); // p_flags
	w.word(0);                  // p_align
}

// Section header 0 of a PN_XNUM file: all zero but sh_info, the real program header count.
void write_xnum_section_header(std::byte *at, uint64_t phnum, bool wide)
{
	FieldWriter(at, wide)
		.put<uint32_t>(0)        // sh_name
		.put<uint32_t>(SHT_NULL) // sh_type
		.word(0)                 // sh_flags
		.word(0)                 // sh_addr
		.word(0)                 // sh_offset
		.word(0)                 // sh_size
		.put<uint32_t>(0)        // sh_link
		.put<uint32_t>(static_cast<uint32_t>(phnum))
		.word(0)  // sh_addralign
		.word(0); // sh_entsize
}

// Headers, notes and the zero padding up to memory_offset.
std::vector<std::byte> generate_prefix(const Geometry &g, const std::vector<ProgramHeader> &loads,
				       const GuestMemoryMap &map)
{
	std::vector<std::byte> prefix(g.memory_offset);
	const ClassSizes &z = g.sizes;
	write_elf_header(prefix.data(), g, map.elf_machine);
	// crash takes phdr[0] for the PT_NOTE without looking, even when there are no notes.
	ProgramHeader note{PT_NOTE, g.notes_offset, 0, 0, map.notes.size()};
	write_program_header(prefix.data() + z.ehdr, note, z.wide);
	for (size_t i = 0; i < loads.size(); i++)
		write_program_header(prefix.data() + z.ehdr + z.phdr * (i + 1), loads[i], z.wide);
	if (g.shdr_offset)
		write_xnum_section_header(prefix.data() + g.shdr_offset, g.phnum, z.wide);
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

// ELFCLASS32 holds addresses, offsets and sizes in 32 bits. The x86 code chooses it only when
// all guest memory lies below 4 GiB, so only the file offsets of a guest with nearly 4 GiB below
// the PCI hole (none of QEMU's x86 machines) could exceed it; QEMU would cut them short.
Result<void> check_class_fits(const Geometry &g, const std::vector<ProgramHeader> &loads)
{
	if (g.sizes.wide)
		return {};
	for (const ProgramHeader &h : loads)
		if (h.offset > UINT32_MAX || h.vaddr > UINT32_MAX || h.paddr > UINT32_MAX ||
		    h.size > UINT32_MAX)
			return structure_error(
				"guest.vmcore would be too large for ELFCLASS32: guest " +
					hex(h.paddr) + " at file offset " + hex(h.offset),
				h.paddr);
	return {};
}

} // namespace

Result<ExtentTable> build_vmcore_table(const GuestMemoryMap &map)
{
	VMCOREFS_TRY(check_segments(map));
	std::vector<ProgramHeader> loads = ram_load_headers(map);
	auto g = place(map.elf_class, loads.size(), map.notes.size());
	if (!g)
		return g.take_error();
	VMCOREFS_TRY(check_file_size(*g, map));
	for (ProgramHeader &h : loads)
		h.offset += g->memory_offset;
	VMCOREFS_TRY(check_class_fits(*g, loads));
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
