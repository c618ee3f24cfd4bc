// The layout of guest.vmcore, blocks/ and ramblocks/: the generated ELF headers read back with
// libelf field by field, the placement of notes and memory, and the extents that make the bytes.
#include "vmcore/vmcore_layout.h"

#include <cstring>
#include <gelf.h>
#include <gtest/gtest.h>
#include <libelf.h>

namespace vmcorefs {
namespace {

constexpr uint64_t page = 4096;

// A segment of `length` bytes at guest address start, in one chunk per entry of chunk_lengths,
// taken from the core at core_offset onwards, each chunk 0x10000 further than the last so that
// chunks are not contiguous in the core.
GuestSegment segment(uint64_t start, std::vector<uint64_t> chunk_lengths, uint64_t core_offset)
{
	GuestSegment s{start, start, {}};
	for (uint64_t length : chunk_lengths) {
		s.chunks.push_back({s.end, length, core_offset});
		s.end += length;
		core_offset += 0x10000;
	}
	return s;
}

std::vector<std::byte> bytes_of(const std::string &text)
{
	auto *p = reinterpret_cast<const std::byte *>(text.data());
	return {p, p + text.size()};
}

GuestMemoryMap three_segments(size_t notes_size)
{
	GuestMemoryMap map;
	map.segments.push_back(segment(0, {0xa0000}, 0x1000));
	map.segments.push_back(segment(0x100000, {0x3000, 0x2000}, 0x200000));
	map.segments.push_back(segment(0x100000000, {0x1000}, 0x800000));
	for (size_t i = 0; i < notes_size; i++)
		map.notes.push_back(static_cast<std::byte>(i * 13 + 1));
	return map;
}

ExtentTable build(const GuestMemoryMap &map)
{
	auto table = build_vmcore_table(map);
	EXPECT_TRUE(table.ok()) << (table.ok() ? "" : table.error().to_string());
	return table.ok() ? std::move(table).value() : ExtentTable();
}

// libelf over the generated prefix, which holds every header.
class ElfReader {
public:
	explicit ElfReader(const ExtentTable &table)
		: bytes_(table.generated().begin(), table.generated().end())
	{
		elf_version(EV_CURRENT);
		elf_ = elf_memory(reinterpret_cast<char *>(bytes_.data()), bytes_.size());
	}
	~ElfReader() { elf_end(elf_); }
	Elf *elf() const { return elf_; }
	GElf_Ehdr ehdr() const
	{
		GElf_Ehdr e = {};
		EXPECT_NE(gelf_getehdr(elf_, &e), nullptr) << elf_errmsg(-1);
		return e;
	}
	size_t phnum() const
	{
		size_t n = 0;
		EXPECT_EQ(elf_getphdrnum(elf_, &n), 0) << elf_errmsg(-1);
		return n;
	}
	GElf_Phdr phdr(size_t i) const
	{
		GElf_Phdr p = {};
		EXPECT_NE(gelf_getphdr(elf_, static_cast<int>(i), &p), nullptr) << elf_errmsg(-1);
		return p;
	}

private:
	std::vector<std::byte> bytes_;
	Elf *elf_ = nullptr;
};

TEST(VmcoreLayout, ElfHeaderFields)
{
	GuestMemoryMap map = three_segments(100);
	map.elf_machine = EM_AARCH64;
	ExtentTable table = build(map);
	ElfReader reader(table);
	ASSERT_EQ(elf_kind(reader.elf()), ELF_K_ELF);
	GElf_Ehdr e = reader.ehdr();
	EXPECT_EQ(0, std::memcmp(e.e_ident, ELFMAG, SELFMAG));
	EXPECT_EQ(e.e_ident[EI_CLASS], ELFCLASS64);
	EXPECT_EQ(e.e_ident[EI_DATA], ELFDATA2LSB);
	EXPECT_EQ(e.e_ident[EI_VERSION], EV_CURRENT);
	EXPECT_EQ(e.e_ident[EI_OSABI], ELFOSABI_NONE);
	EXPECT_EQ(e.e_type, ET_CORE);
	EXPECT_EQ(e.e_machine, EM_AARCH64);
	EXPECT_EQ(e.e_version, EV_CURRENT);
	EXPECT_EQ(e.e_entry, 0u);
	EXPECT_EQ(e.e_phoff, 64u);
	EXPECT_EQ(e.e_shoff, 0u);
	EXPECT_EQ(e.e_flags, 0u);
	EXPECT_EQ(e.e_ehsize, 64u);
	EXPECT_EQ(e.e_phentsize, 56u);
	EXPECT_EQ(e.e_phnum, 4u);
	EXPECT_EQ(e.e_shentsize, 0u);
	EXPECT_EQ(e.e_shnum, 0u);
	EXPECT_EQ(e.e_shstrndx, SHN_UNDEF);
}

TEST(VmcoreLayout, NoteHeaderFirstThenLoadsBackToBackAfterAPageBoundary)
{
	GuestMemoryMap map = three_segments(100);
	ExtentTable table = build(map);
	ElfReader reader(table);
	ASSERT_EQ(reader.phnum(), 4u);
	GElf_Phdr note = reader.phdr(0);
	uint64_t notes_offset = 64 + 56 * 4;
	EXPECT_EQ(note.p_type, PT_NOTE);
	EXPECT_EQ(note.p_offset, notes_offset);
	EXPECT_EQ(note.p_filesz, 100u);
	EXPECT_EQ(note.p_memsz, 100u);
	EXPECT_EQ(note.p_vaddr | note.p_paddr | note.p_align | note.p_flags, 0u);
	EXPECT_EQ(0, std::memcmp(table.generated().data() + notes_offset, map.notes.data(), 100));

	uint64_t offset = page; // 288 + 100 bytes of headers and notes round up to one page
	for (size_t i = 0; i < map.segments.size(); i++) {
		const GuestSegment &s = map.segments[i];
		GElf_Phdr load = reader.phdr(i + 1);
		EXPECT_EQ(load.p_type, PT_LOAD) << i;
		EXPECT_EQ(load.p_offset, offset) << i;
		EXPECT_EQ(load.p_paddr, s.start) << i;
		EXPECT_EQ(load.p_vaddr, s.start) << i;
		EXPECT_EQ(load.p_filesz, s.end - s.start) << i;
		EXPECT_EQ(load.p_memsz, s.end - s.start) << i;
		EXPECT_EQ(load.p_align, 0u) << i;
		EXPECT_EQ(load.p_flags, 0u) << i;
		offset += s.end - s.start;
	}
	EXPECT_EQ(table.size(), offset);
	// Padding between the notes and guest memory is zero.
	for (uint64_t i = notes_offset + 100; i < page; i++)
		ASSERT_EQ(table.generated()[i], std::byte{0}) << i;
}

TEST(VmcoreLayout, EmptyNotesStillGetTheFirstProgramHeader)
{
	ExtentTable table = build(three_segments(0));
	ElfReader reader(table);
	ASSERT_EQ(reader.phnum(), 4u);
	GElf_Phdr note = reader.phdr(0);
	EXPECT_EQ(note.p_type, PT_NOTE);
	EXPECT_EQ(note.p_offset, 64u + 56 * 4);
	EXPECT_EQ(note.p_filesz, 0u);
	EXPECT_EQ(reader.phdr(1).p_offset, page);
}

// Memory starts at the first page boundary at or after the end of the notes, whatever their size.
TEST(VmcoreLayout, MemoryStartsOnThePageBoundaryAfterTheNotes)
{
	const uint64_t headers = 64 + 56 * 4;
	struct Case {
		uint64_t notes_size, memory_offset;
	} cases[] = {
		{page - headers - 1, page},
		{page - headers, page},
		{page - headers + 1, 2 * page},
		{3 * page + 5, 4 * page},
	};
	for (const Case &c : cases) {
		ExtentTable table = build(three_segments(c.notes_size));
		ElfReader reader(table);
		EXPECT_EQ(reader.phdr(1).p_offset, c.memory_offset) << c.notes_size;
		EXPECT_EQ(reader.phdr(0).p_filesz, c.notes_size);
		ASSERT_FALSE(table.extents().empty());
		EXPECT_EQ(table.extents()[0].length, c.memory_offset) << c.notes_size;
	}
}

// The generated prefix is one extent, then one core extent per chunk, in guest order, without
// gaps or overlaps.
TEST(VmcoreLayout, ExtentsCoverTheFileChunkByChunk)
{
	GuestMemoryMap map = three_segments(100);
	ExtentTable table = build(map);
	auto extents = table.extents();
	ASSERT_EQ(extents.size(), 5u);
	EXPECT_EQ(extents[0].source, Extent::Source::generated);
	EXPECT_EQ(extents[0].offset, 0u);
	EXPECT_EQ(extents[0].length, page);
	EXPECT_EQ(table.generated().size(), page);
	uint64_t offset = page;
	size_t i = 1;
	for (const GuestSegment &s : map.segments)
		for (const GuestChunk &chunk : s.chunks) {
			EXPECT_EQ(extents[i].offset, offset) << i;
			EXPECT_EQ(extents[i].length, chunk.length) << i;
			EXPECT_EQ(extents[i].source, Extent::Source::core) << i;
			EXPECT_EQ(extents[i].source_offset, chunk.core_offset) << i;
			offset += chunk.length;
			i++;
		}
	EXPECT_EQ(table.size(), offset);
}

GuestMemoryMap many_segments(size_t count)
{
	GuestMemoryMap map;
	map.segments.reserve(count);
	for (size_t i = 0; i < count; i++)
		map.segments.push_back(segment(i * 2 * page, {page}, i * page));
	map.notes = bytes_of("notes");
	return map;
}

TEST(VmcoreLayout, SeventyThousandSegmentsUsePnXnum)
{
	const size_t count = 70000;
	ExtentTable table = build(many_segments(count));
	ElfReader reader(table);
	GElf_Ehdr e = reader.ehdr();
	const uint64_t phnum = count + 1;
	EXPECT_EQ(e.e_phnum, PN_XNUM);
	EXPECT_EQ(e.e_shnum, 1u);
	EXPECT_EQ(e.e_shentsize, 64u);
	EXPECT_EQ(e.e_shstrndx, SHN_UNDEF);
	EXPECT_EQ(e.e_shoff, 64 + 56 * phnum); // right after the program headers
	ASSERT_EQ(reader.phnum(), phnum);
	GElf_Shdr shdr0 = {};
	ASSERT_NE(gelf_getshdr(elf_getscn(reader.elf(), 0), &shdr0), nullptr) << elf_errmsg(-1);
	EXPECT_EQ(shdr0.sh_info, phnum);
	EXPECT_EQ(shdr0.sh_type, SHT_NULL);
	EXPECT_EQ(shdr0.sh_offset | shdr0.sh_size | shdr0.sh_name | shdr0.sh_link, 0u);

	GElf_Phdr note = reader.phdr(0);
	EXPECT_EQ(note.p_type, PT_NOTE);
	EXPECT_EQ(note.p_offset, e.e_shoff + 64); // notes after the section header
	uint64_t memory = (note.p_offset + note.p_filesz + page - 1) / page * page;
	GElf_Phdr last = reader.phdr(count);
	EXPECT_EQ(last.p_type, PT_LOAD);
	EXPECT_EQ(last.p_paddr, (count - 1) * 2 * page);
	EXPECT_EQ(last.p_offset, memory + (count - 1) * page);
	EXPECT_EQ(table.size(), memory + count * page);
}

// PN_XNUM (0xffff) itself already means "see section header 0".
TEST(VmcoreLayout, PnXnumStartsAtExactly0xffffProgramHeaders)
{
	ExtentTable below = build(many_segments(PN_XNUM - 2));
	EXPECT_EQ(ElfReader(below).ehdr().e_phnum, PN_XNUM - 1);
	EXPECT_EQ(ElfReader(below).ehdr().e_shnum, 0u);
	ExtentTable at = build(many_segments(PN_XNUM - 1));
	ElfReader reader(at);
	EXPECT_EQ(reader.ehdr().e_phnum, PN_XNUM);
	EXPECT_EQ(reader.ehdr().e_shnum, 1u);
	EXPECT_EQ(reader.phnum(), size_t{PN_XNUM});
}

// An i386 guest's vmcore in ELFCLASS32, as QEMU writes it when all guest memory is below 4 GiB.
GuestMemoryMap elf32_map(GuestMemoryMap map)
{
	map.elf_class = ElfClass::elf32;
	map.elf_machine = EM_386;
	return map;
}

GuestMemoryMap two_segments_below_4g(size_t notes_size)
{
	GuestMemoryMap map = three_segments(notes_size);
	map.segments.pop_back(); // the one at 4 GiB
	return elf32_map(map);
}

TEST(VmcoreLayout, Elf32HeaderFields)
{
	ExtentTable table = build(two_segments_below_4g(100));
	ElfReader reader(table);
	ASSERT_EQ(elf_kind(reader.elf()), ELF_K_ELF);
	ASSERT_EQ(gelf_getclass(reader.elf()), ELFCLASS32);
	GElf_Ehdr e = reader.ehdr();
	EXPECT_EQ(e.e_ident[EI_CLASS], ELFCLASS32);
	EXPECT_EQ(e.e_ident[EI_DATA], ELFDATA2LSB);
	EXPECT_EQ(e.e_type, ET_CORE);
	EXPECT_EQ(e.e_machine, EM_386);
	EXPECT_EQ(e.e_version, EV_CURRENT);
	EXPECT_EQ(e.e_entry, 0u);
	EXPECT_EQ(e.e_phoff, 52u);
	EXPECT_EQ(e.e_shoff, 0u);
	EXPECT_EQ(e.e_flags, 0u);
	EXPECT_EQ(e.e_ehsize, 52u);
	EXPECT_EQ(e.e_phentsize, 32u);
	EXPECT_EQ(e.e_phnum, 3u);
	EXPECT_EQ(e.e_shentsize, 0u);
	EXPECT_EQ(e.e_shnum, 0u);
	EXPECT_EQ(e.e_shstrndx, SHN_UNDEF);
}

// Elf32_Phdr has p_flags after p_memsz: libelf reading every field back proves the order.
TEST(VmcoreLayout, Elf32ProgramHeadersNotesAndMemory)
{
	GuestMemoryMap map = two_segments_below_4g(100);
	ExtentTable table = build(map);
	ElfReader reader(table);
	ASSERT_EQ(reader.phnum(), 3u);
	const uint64_t notes_offset = 52 + 32 * 3;
	GElf_Phdr note = reader.phdr(0);
	EXPECT_EQ(note.p_type, PT_NOTE);
	EXPECT_EQ(note.p_offset, notes_offset);
	EXPECT_EQ(note.p_filesz, 100u);
	EXPECT_EQ(note.p_memsz, 100u);
	EXPECT_EQ(note.p_vaddr | note.p_paddr | note.p_align | note.p_flags, 0u);
	EXPECT_EQ(0, std::memcmp(table.generated().data() + notes_offset, map.notes.data(), 100));
	uint64_t offset = page;
	for (size_t i = 0; i < map.segments.size(); i++) {
		const GuestSegment &s = map.segments[i];
		GElf_Phdr load = reader.phdr(i + 1);
		EXPECT_EQ(load.p_type, PT_LOAD) << i;
		EXPECT_EQ(load.p_offset, offset) << i;
		EXPECT_EQ(load.p_paddr, s.start) << i;
		EXPECT_EQ(load.p_vaddr, s.start) << i;
		EXPECT_EQ(load.p_filesz, s.end - s.start) << i;
		EXPECT_EQ(load.p_memsz, s.end - s.start) << i;
		EXPECT_EQ(load.p_flags | load.p_align, 0u) << i;
		offset += s.end - s.start;
	}
	EXPECT_EQ(table.size(), offset);
	EXPECT_EQ(table.extents()[0].length, page);
	for (uint64_t i = notes_offset + 100; i < page; i++)
		ASSERT_EQ(table.generated()[i], std::byte{0}) << i;
}

TEST(VmcoreLayout, Elf32PnXnumSectionHeaderIsElf32)
{
	const size_t count = 70000;
	GuestMemoryMap map = elf32_map(many_segments(count));
	ExtentTable table = build(map);
	ElfReader reader(table);
	ASSERT_EQ(gelf_getclass(reader.elf()), ELFCLASS32);
	GElf_Ehdr e = reader.ehdr();
	const uint64_t phnum = count + 1;
	EXPECT_EQ(e.e_phnum, PN_XNUM);
	EXPECT_EQ(e.e_shnum, 1u);
	EXPECT_EQ(e.e_shentsize, 40u);
	EXPECT_EQ(e.e_shoff, 52 + 32 * phnum);
	ASSERT_EQ(reader.phnum(), phnum);
	GElf_Shdr shdr0 = {};
	ASSERT_NE(gelf_getshdr(elf_getscn(reader.elf(), 0), &shdr0), nullptr) << elf_errmsg(-1);
	EXPECT_EQ(shdr0.sh_info, phnum);
	EXPECT_EQ(shdr0.sh_type, SHT_NULL);
	GElf_Phdr note = reader.phdr(0);
	EXPECT_EQ(note.p_offset, e.e_shoff + 40);
	GElf_Phdr last = reader.phdr(count);
	EXPECT_EQ(last.p_paddr, (count - 1) * 2 * page);
	uint64_t memory = (note.p_offset + note.p_filesz + page - 1) / page * page;
	EXPECT_EQ(last.p_offset, memory + (count - 1) * page);
}

// What an ELFCLASS32 file cannot say is an error, never a truncated field.
TEST(VmcoreLayout, Elf32RejectsWhatDoesNotFitIn32Bits)
{
	GuestMemoryMap map = elf32_map({});
	map.segments.push_back(segment(0x100000000, {0x1000}, 0));
	auto table = build_vmcore_table(map);
	ASSERT_FALSE(table.ok()) << "a segment at 4 GiB";
	EXPECT_EQ(table.error().code, ErrorCode::bad_structure);

	// Nearly 4 GiB of memory below 4 GiB: the second segment would start past 4 GiB of file.
	map = elf32_map({});
	map.segments.push_back(segment(0, {0xfffff000}, 0));
	map.segments.push_back(segment(0xfffff000, {0xfff}, 0));
	table = build_vmcore_table(map);
	ASSERT_FALSE(table.ok()) << "a file offset past 4 GiB";
	EXPECT_EQ(table.error().to_string(),
		  "guest.vmcore would be too large for ELFCLASS32: guest 0xfffff000 at file offset "
		  "0x100000000");

	map.segments.pop_back(); // ends 4 KiB below 4 GiB in the file: fits
	EXPECT_TRUE(build_vmcore_table(map).ok());
}

void expect_rejected(const GuestMemoryMap &map, const char *why)
{
	auto table = build_vmcore_table(map);
	ASSERT_FALSE(table.ok()) << why;
	EXPECT_EQ(table.error().code, ErrorCode::bad_structure) << why;
}

TEST(VmcoreLayout, RejectsSegmentsThatOverlapOrChunksThatDoNotTile)
{
	GuestMemoryMap map = three_segments(0);
	map.segments[1] = segment(0x9f000, {0x2000}, 0);
	expect_rejected(map, "overlapping segments");

	map = three_segments(0);
	std::swap(map.segments[0], map.segments[1]);
	expect_rejected(map, "segments out of order");

	map = three_segments(0);
	map.segments[1].chunks[1].guest += 0x1000;
	expect_rejected(map, "a gap between chunks");

	map = three_segments(0);
	map.segments[1].end += 0x1000;
	expect_rejected(map, "chunks shorter than their segment");

	map = three_segments(0);
	map.segments[1].chunks[1].length += 0x1000;
	expect_rejected(map, "chunks longer than their segment");

	map = three_segments(0);
	map.segments.push_back({0x200000000, 0x200000000, {}});
	expect_rejected(map, "an empty segment");
}

TEST(VmcoreLayout, SegmentFilesHoldTheSegmentsBytes)
{
	GuestSegment s = segment(0x100000, {0x3000, 0x2000}, 0x200000);
	EXPECT_EQ(segment_file_name(s), "0000000000100000-0000000000105000");
	EXPECT_EQ(segment_file_name(segment(0xfffffffff0000000, {0x1000}, 0)),
		  "fffffffff0000000-fffffffff0001000");
	ExtentTable table = build_segment_table(s);
	EXPECT_EQ(table.size(), 0x5000u);
	ASSERT_EQ(table.extents().size(), 2u);
	EXPECT_EQ(table.extents()[0].offset, 0u);
	EXPECT_EQ(table.extents()[0].source_offset, 0x200000u);
	EXPECT_EQ(table.extents()[1].offset, 0x3000u);
	EXPECT_EQ(table.extents()[1].source, Extent::Source::core);
	EXPECT_EQ(table.extents()[1].source_offset, 0x210000u);
}

TEST(VmcoreLayout, RamblockNamesAreEscapedReversibly)
{
	EXPECT_EQ(ramblock_file_name("pc.ram"), "pc.ram");
	EXPECT_EQ(ramblock_file_name("0000:00:02.0/vga.vram"), "0000:00:02.0%2Fvga.vram");
	EXPECT_EQ(ramblock_file_name("/rom@etc/acpi/tables"), "%2From@etc%2Facpi%2Ftables");
	EXPECT_EQ(ramblock_file_name("50%"), "50%25");
	EXPECT_EQ(ramblock_file_name("%2F"), "%252F"); // not confused with an escaped '/'
	EXPECT_EQ(ramblock_file_name("a b\tc\x7f\xc3\xa9"), "a%20b%09c%7F%C3%A9");
	EXPECT_EQ(ramblock_file_name("."), "%2E");
	EXPECT_EQ(ramblock_file_name(".."), "%2E%2E");
	EXPECT_EQ(ramblock_file_name("..."), "...");
	EXPECT_EQ(ramblock_file_name(""), "%00");
}

TEST(VmcoreLayout, RamblockAbsentPiecesBecomeAbsentExtents)
{
	RamBlockInfo block;
	block.idstr = "vga.vram";
	block.host = 0x7f0000000000;
	block.used_length = 0x6000;
	block.pieces = {
		{0x7f0000000000, 0x1000, 0x5000, AbsentReason::unmapped},
		{0x7f0000001000, 0x3000, std::nullopt, AbsentReason::not_dumped},
		{0x7f0000004000, 0x2000, 0x9000, AbsentReason::unmapped},
	};
	ExtentTable table = build_ramblock_table(block);
	EXPECT_EQ(table.size(), 0x6000u);
	auto e = table.extents();
	ASSERT_EQ(e.size(), 3u);
	EXPECT_EQ(e[0].source, Extent::Source::core);
	EXPECT_EQ(e[0].source_offset, 0x5000u);
	EXPECT_EQ(e[1].source, Extent::Source::absent);
	EXPECT_EQ(e[1].offset, 0x1000u);
	EXPECT_EQ(e[1].length, 0x3000u);
	EXPECT_EQ(e[2].source, Extent::Source::core);
	EXPECT_EQ(e[2].offset, 0x4000u);
	EXPECT_EQ(e[2].source_offset, 0x9000u);
}

} // namespace
} // namespace vmcorefs
