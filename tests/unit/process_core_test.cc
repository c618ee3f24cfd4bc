// ProcessCore on synthetic cores from CoreBuilder (layouts reality rarely gives us: truncation,
// unsorted and corrupt headers, both NT_FILE conventions) and on real cores of a tiny C program,
// written by the kernel and by gdb's gcore.
#include "source/process_core.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <sstream>
#include <unistd.h>

#include "core_builder.h"

namespace vmcorefs {
namespace {

using test::Bytes;
using test::CoreBuilder;
using test::CoreHeaders;
using test::FileNoteEntry;
using test::TempDir;

constexpr uint64_t base = 0x7f0000000000;

// Bytes whose values depend on their position, so that a read from the wrong place shows.
Bytes pattern(size_t size, uint8_t seed)
{
	Bytes bytes(size);
	for (size_t i = 0; i < size; i++)
		bytes[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
	return bytes;
}

std::string slurp(const std::string &path)
{
	std::stringstream out;
	out << std::ifstream(path).rdbuf();
	return out.str();
}

bool run(const std::string &command)
{
	return std::system(command.c_str()) == 0;
}

class ProcessCoreTest : public ::testing::Test {
protected:
	Result<std::unique_ptr<ProcessCore>> open(const CoreBuilder &builder)
	{
		builder.write(path);
		return ProcessCore::open(path);
	}

	std::unique_ptr<ProcessCore> open_ok(const CoreBuilder &builder)
	{
		auto core = open(builder);
		EXPECT_TRUE(core.ok()) << core.error().to_string();
		return core.ok() ? std::move(core).value() : nullptr;
	}

	void expect_open_error(const CoreBuilder &builder, ErrorCode code,
			       const std::string &message)
	{
		auto core = open(builder);
		ASSERT_FALSE(core.ok());
		EXPECT_EQ(core.error().code, code);
		EXPECT_EQ(core.error().to_string(), path + ": " + message);
	}

	TempDir dir;
	std::string path = dir.file("core");
};

CorePiece present(uint64_t vaddr, uint64_t length, uint64_t offset)
{
	return {vaddr, length, offset, AbsentReason::unmapped};
}

CorePiece absent(uint64_t vaddr, uint64_t length, AbsentReason reason)
{
	return {vaddr, length, std::nullopt, reason};
}

// Pieces as text, "{0x1000+0x800 @0x2000} {0x1800+0x800 not dumped}", for readable failures.
std::string str(const std::vector<CorePiece> &pieces)
{
	std::string out;
	for (const CorePiece &p : pieces) {
		out += (out.empty() ? "{" : " {") + hex(p.vaddr) + "+" + hex(p.length) + " ";
		out += p.present() ? "@" + hex(*p.file_offset) : std::string(to_string(p.reason));
		out += "}";
	}
	return out;
}

TEST(CoreBuilderTest, WritesHolesAsHoles)
{
	TempDir dir;
	CoreBuilder b;
	size_t load = b.add_sparse_load(base, 0x100000);
	b.poke(base + 0x80000, {1, 2, 3});
	b.write(dir.file("core"));
	ASSERT_EQ(std::filesystem::file_size(dir.file("core")), b.file_size());
	int fd = ::open(dir.file("core").c_str(), O_RDONLY);
	ASSERT_GE(fd, 0);
	off_t start = static_cast<off_t>(b.file_offset(load));
	EXPECT_EQ(lseek(fd, start, SEEK_HOLE), start);
	EXPECT_EQ(lseek(fd, start, SEEK_DATA), start + 0x80000);
	close(fd);
}

// readelf, not our parser, decodes what the builder wrote: both NT_FILE conventions give the
// same byte offsets.
TEST(CoreBuilderTest, ReadelfDecodesNotes)
{
	TempDir dir;
	for (uint64_t page_size : {4096, 1}) {
		CoreBuilder b;
		b.add_load(base, pattern(0x1000, 1));
		b.add_file_note({{base, base + 0x3000, 0x2000, "/usr/bin/qemu-system-x86_64"}},
				page_size);
		b.add_auxv({{AT_PHDR, base + 0x40}});
		b.write(dir.file("core"));
		ASSERT_TRUE(run("eu-readelf -n " + dir.file("core") + " > " + dir.file("notes")));
		std::string notes = slurp(dir.file("notes"));
		EXPECT_NE(notes.find("7f0000000000-7f0000003000 00002000 12288"), std::string::npos)
			<< notes;
		EXPECT_NE(notes.find("/usr/bin/qemu-system-x86_64"), std::string::npos);
		EXPECT_NE(notes.find("PHDR: 0x7f0000000040"), std::string::npos) << notes;
	}
}

TEST_F(ProcessCoreTest, SortsUnsortedLoads)
{
	CoreBuilder b;
	b.add_load(base + 0x3000, pattern(0x1000, 3));
	b.add_load(base + 0x1000, pattern(0x1000, 1));
	b.add_load(base + 0x2000, pattern(0x1000, 2));
	auto core = open_ok(b);
	ASSERT_TRUE(core);
	ASSERT_EQ(core->segments().size(), 3u);
	EXPECT_EQ(core->segments()[0].vaddr, base + 0x1000);
	EXPECT_EQ(core->segments()[0].offset, b.file_offset(1));
	EXPECT_EQ(core->segments()[1].vaddr, base + 0x2000);
	EXPECT_EQ(core->segments()[2].vaddr, base + 0x3000);
	EXPECT_EQ(core->segments()[2].offset, b.file_offset(0));
	for (uint8_t i = 1; i <= 3; i++) {
		Bytes bytes(0x1000);
		ASSERT_TRUE(core->read(base + i * 0x1000, bytes.data(), bytes.size()).ok());
		EXPECT_EQ(bytes, pattern(0x1000, i));
	}
}

TEST_F(ProcessCoreTest, OverlappingLoadsAreCorrupt)
{
	CoreBuilder b;
	b.add_load(base + 0x1000, pattern(0x1000, 1));
	b.add_load(base, pattern(0x2000, 2));
	expect_open_error(b, ErrorCode::corrupt,
			  "PT_LOADs at 0x7f0000000000 and 0x7f0000001000 overlap");
}

// Neighbours in memory form one piece only when they are neighbours in the file too.
TEST_F(ProcessCoreTest, MergesOnlyFileContiguousNeighbours)
{
	CoreBuilder in_order;
	in_order.add_load(base, pattern(0x1000, 1));
	in_order.add_load(base + 0x1000, pattern(0x1000, 2));
	auto core = open_ok(in_order);
	ASSERT_TRUE(core);
	EXPECT_EQ(str(core->translate(base + 0x800, 0x1000)),
		  str({present(base + 0x800, 0x1000, in_order.file_offset(0) + 0x800)}));

	CoreBuilder reversed;
	reversed.add_load(base + 0x1000, pattern(0x1000, 2));
	reversed.add_load(base, pattern(0x1000, 1));
	core = open_ok(reversed);
	ASSERT_TRUE(core);
	EXPECT_EQ(str(core->translate(base + 0x800, 0x1000)),
		  str({present(base + 0x800, 0x800, reversed.file_offset(1) + 0x800),
		       present(base + 0x1000, 0x800, reversed.file_offset(0))}));
}

TEST_F(ProcessCoreTest, HoleIsPresentAndReadsZeros)
{
	CoreBuilder b;
	size_t load = b.add_sparse_load(base, 0x10000);
	b.poke(base + 0x8000, {0xaa, 0xbb});
	auto core = open_ok(b);
	ASSERT_TRUE(core);
	EXPECT_EQ(str(core->translate(base, 0x10000)),
		  str({present(base, 0x10000, b.file_offset(load))}));
	Bytes bytes(0x8002, 0xff);
	ASSERT_TRUE(core->read(base, bytes.data(), bytes.size()).ok());
	EXPECT_TRUE(std::all_of(bytes.begin(), bytes.end() - 2, [](uint8_t x) { return x == 0; }));
	EXPECT_EQ(bytes[0x8000], 0xaa);
	EXPECT_EQ(bytes[0x8001], 0xbb);
}

TEST_F(ProcessCoreTest, TailBeyondFileSizeIsNotDumped)
{
	CoreBuilder b;
	b.add_load(base, pattern(0x1000, 1), 0x3000);
	b.add_load(base + 0x3000, {}, 0x1000); // what the kernel writes for an excluded mapping
	b.add_load(base + 0x5000, pattern(0x1000, 2));
	auto core = open_ok(b);
	ASSERT_TRUE(core);
	EXPECT_EQ(str(core->translate(base + 0x800, 0x5000)),
		  str({present(base + 0x800, 0x800, b.file_offset(0) + 0x800),
		       absent(base + 0x1000, 0x3000, AbsentReason::not_dumped),
		       absent(base + 0x4000, 0x1000, AbsentReason::unmapped),
		       present(base + 0x5000, 0x800, b.file_offset(2))}));

	uint8_t bytes[0x10];
	auto r = core->read(base + 0xff8, bytes, sizeof bytes);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, ErrorCode::absent);
	EXPECT_EQ(r.error().at, base + 0x1000);
	EXPECT_EQ(r.error().to_string(),
		  path + ": host address 0x7f0000001000 is not in the core (not dumped)");
	r = core->read(base + 0x4ff0, bytes, sizeof bytes);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().to_string(),
		  path + ": host address 0x7f0000004ff0 is not in the core (unmapped)");
}

TEST_F(ProcessCoreTest, TranslateEdges)
{
	CoreBuilder b;
	b.add_load(base, pattern(0x1000, 1));
	auto core = open_ok(b);
	ASSERT_TRUE(core);
	EXPECT_TRUE(core->translate(base, 0).empty());
	EXPECT_EQ(str(core->translate(0, 0x1000)),
		  str({absent(0, 0x1000, AbsentReason::unmapped)}));
	// Clamped to the top of the address space rather than wrapping to 0.
	EXPECT_EQ(str(core->translate(base + 0xf00, UINT64_MAX)),
		  str({present(base + 0xf00, 0x100, b.file_offset(0) + 0xf00),
		       absent(base + 0x1000, UINT64_MAX - base - 0x1000, AbsentReason::unmapped)}));
}

TEST_F(ProcessCoreTest, TruncatedFileLosesSegmentData)
{
	CoreBuilder b;
	b.add_load(base, pattern(0x2000, 1), 0x3000);
	b.add_load(base + 0x3000, pattern(0x1000, 2));
	b.truncate_at = b.file_offset(0) + 0x1800;
	auto core = open_ok(b);
	ASSERT_TRUE(core);
	EXPECT_EQ(core->segments()[0].present, 0x1800u);
	EXPECT_EQ(core->segments()[0].filesz, 0x2000u);
	EXPECT_EQ(core->segments()[1].present, 0u);
	EXPECT_EQ(str(core->translate(base, 0x4000)),
		  str({present(base, 0x1800, b.file_offset(0)),
		       absent(base + 0x1800, 0x800, AbsentReason::truncated),
		       absent(base + 0x2000, 0x1000, AbsentReason::not_dumped),
		       absent(base + 0x3000, 0x1000, AbsentReason::truncated)}));
	uint64_t value;
	auto r = core->read(base + 0x17fc, &value, sizeof value);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().to_string(),
		  path + ": host address 0x7f0000001800 is not in the core (truncated)");
}

TEST_F(ProcessCoreTest, HeadersPastEndOfFile)
{
	CoreBuilder b;
	b.add_load(base, pattern(0x1000, 1));
	b.add_auxv({{AT_PAGESZ, 4096}}); // a note of 0x34 bytes at 0xb0
	b.truncate_at = 100;
	expect_open_error(b, ErrorCode::truncated,
			  "program headers end at 0xb0 past the end of the file (size 0x64)");
	b.truncate_at = 0xb0 + 4;
	expect_open_error(b, ErrorCode::truncated,
			  "notes end at 0xe4 past the end of the file (size 0xb4)");
	CoreBuilder empty_notes; // no notes: a PT_NOTE of size 0 fits anywhere
	empty_notes.add_load(base, pattern(0x1000, 1));
	empty_notes.truncate_at = 0xb0;
	EXPECT_TRUE(open(empty_notes).ok());
	b.truncate_at = 40;
	expect_open_error(b, ErrorCode::truncated,
			  "ELF header would end at 0x40 past the end of the file (size 0x28)");
}

TEST_F(ProcessCoreTest, RejectsWhatIsNotACore)
{
	std::ofstream(path) << "hello, world\n";
	auto core = ProcessCore::open(path);
	ASSERT_FALSE(core.ok());
	EXPECT_EQ(core.error().code, ErrorCode::not_elf);
	EXPECT_EQ(core.error().to_string(), path + ": not an ELF file");

	std::ofstream(path, std::ios::trunc).close();
	core = ProcessCore::open(path);
	ASSERT_FALSE(core.ok());
	EXPECT_EQ(core.error().code, ErrorCode::not_elf);
	EXPECT_EQ(core.error().to_string(), path + ": not an ELF file (empty)");

	CoreBuilder b;
	b.edit_headers = [](CoreHeaders &h) { h.ehdr.e_type = ET_EXEC; };
	expect_open_error(b, ErrorCode::not_core, "ELF file of type EXEC, not a core");
	b.edit_headers = [](CoreHeaders &h) { h.ehdr.e_machine = EM_AARCH64; };
	expect_open_error(b, ErrorCode::unsupported,
			  "core of ELF machine 183; vmcorefs reads x86_64 cores only");
	b.edit_headers = [](CoreHeaders &h) { h.ehdr.e_ident[EI_CLASS] = ELFCLASS32; };
	expect_open_error(b, ErrorCode::unsupported,
			  "not a 64-bit ELF file; vmcorefs reads x86_64 cores only");
	b.edit_headers = [](CoreHeaders &h) { h.ehdr.e_ident[EI_DATA] = ELFDATA2MSB; };
	expect_open_error(b, ErrorCode::unsupported,
			  "not a little-endian ELF file; vmcorefs reads x86_64 cores only");
}

TEST_F(ProcessCoreTest, RejectsCorruptHeaders)
{
	CoreBuilder b;
	b.add_load(base, pattern(0x1000, 1));
	b.edit_headers = [](CoreHeaders &h) { h.phdrs[1].p_offset = UINT64_MAX - 0x10; };
	expect_open_error(b, ErrorCode::corrupt,
			  "PT_LOAD (program header 1) has p_offset 0xffffffffffffffef + p_filesz "
			  "0x1000 overflowing");
	b.edit_headers = [](CoreHeaders &h) { h.phdrs[1].p_vaddr = UINT64_MAX - 0x10; };
	expect_open_error(b, ErrorCode::corrupt,
			  "PT_LOAD (program header 1) at 0xffffffffffffffef of 0x1000 bytes wraps "
			  "around the address space");
	b.edit_headers = [](CoreHeaders &h) { h.phdrs[1].p_memsz = 0x10; };
	expect_open_error(b, ErrorCode::corrupt,
			  "PT_LOAD (program header 1) has p_filesz 0x1000 larger than p_memsz "
			  "0x10");
	b.edit_headers = [](CoreHeaders &h) {
		h.phdrs[0].p_offset = UINT64_MAX;
		h.phdrs[0].p_filesz = 0x100;
	};
	expect_open_error(b, ErrorCode::corrupt,
			  "PT_NOTE at 0xffffffffffffffff of 0x100 bytes overflows");
	b.edit_headers = [](CoreHeaders &h) { h.ehdr.e_phoff = UINT64_MAX - 8; };
	expect_open_error(b, ErrorCode::corrupt,
			  "2 program headers at 0xfffffffffffffff7 cannot fit in a file");
	b.edit_headers = [](CoreHeaders &h) { h.ehdr.e_phnum = 0; };
	expect_open_error(b, ErrorCode::corrupt, "no program headers");
	b.edit_headers = [](CoreHeaders &h) { h.ehdr.e_phentsize = 32; };
	expect_open_error(b, ErrorCode::corrupt, "program header size 32, expected 56");
}

TEST_F(ProcessCoreTest, ExtendedProgramHeaderCount)
{
	CoreBuilder b;
	b.pn_xnum = true;
	b.add_load(base, pattern(0x1000, 1));
	b.add_load(base + 0x1000, pattern(0x1000, 2));
	auto core = open_ok(b);
	ASSERT_TRUE(core);
	EXPECT_EQ(core->segments().size(), 2u);

	// An absurd count: four billion program headers in a file of a few pages.
	b.edit_headers = [](CoreHeaders &h) { h.shdr0.sh_info = UINT32_MAX; };
	expect_open_error(b, ErrorCode::truncated,
			  "program headers end at 0x3800000008 past the end of the file (size "
			  "0x3000)");
	b.edit_headers = [](CoreHeaders &h) { h.ehdr.e_shoff = 0x10000; };
	expect_open_error(b, ErrorCode::truncated,
			  "section header 0 (holding the PN_XNUM count) would end at 0x10040 past "
			  "the end of the file (size 0x3000)");
	b.edit_headers = [](CoreHeaders &h) { h.ehdr.e_shoff = 0; };
	expect_open_error(b, ErrorCode::corrupt,
			  "e_phnum is PN_XNUM but there is no section header 0 to hold the count");
}

TEST_F(ProcessCoreTest, NotesOverflowingTheirSegment)
{
	CoreBuilder b;
	b.add_auxv({{AT_PAGESZ, 4096}});
	b.add_load(base, pattern(0x1000, 1));
	uint64_t notes_offset = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	b.edit_headers = [](CoreHeaders &h) { h.phdrs[0].p_filesz -= 4; };
	expect_open_error(b, ErrorCode::corrupt,
			  "note at " + hex(notes_offset) + " overflows its segment");
	b.edit_headers = [](CoreHeaders &h) { h.phdrs[0].p_filesz += 8; };
	expect_open_error(b, ErrorCode::corrupt,
			  "note at " + hex(notes_offset + 0x34) + " overflows its segment");
}

TEST_F(ProcessCoreTest, FileNoteBothConventions)
{
	const std::vector<FileNoteEntry> entries = {
		{0x555555554000, 0x555555555000, 0, "/usr/bin/qemu-system-x86_64"},
		{0x555555555000, 0x555555700000, 0x1000, "/usr/bin/qemu-system-x86_64"},
		{0x7ffff7a00000, 0x7ffff7c00000, 0x200000, "/memfd:memory-backend-memfd (deleted)"},
	};
	for (uint64_t page_size : {4096, 1}) {
		SCOPED_TRACE(page_size);
		CoreBuilder b;
		b.add_prstatus(1234);
		b.add_file_note(entries, page_size);
		auto core = open_ok(b);
		ASSERT_TRUE(core);
		ASSERT_EQ(core->file_mappings().size(), entries.size());
		for (size_t i = 0; i < entries.size(); i++) {
			EXPECT_EQ(core->file_mappings()[i].start, entries[i].start);
			EXPECT_EQ(core->file_mappings()[i].end, entries[i].end);
			EXPECT_EQ(core->file_mappings()[i].file_offset, entries[i].file_offset);
			EXPECT_EQ(core->file_mappings()[i].path, entries[i].path);
		}
	}
}

TEST_F(ProcessCoreTest, CorruptFileNotes)
{
	uint64_t note_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	auto file_note = [](uint64_t count, uint64_t page_size, const std::string &tail) {
		Bytes desc;
		// One entry: 0x1000-0x2000 at file offset 0x10 pages.
		for (uint64_t v :
		     {count, page_size, uint64_t{0x1000}, uint64_t{0x2000}, uint64_t{0x10}})
			for (int i = 0; i < 8; i++)
				desc.push_back(static_cast<uint8_t>(v >> (8 * i)));
		desc.insert(desc.end(), tail.begin(), tail.end());
		return desc;
	};
	std::string name = "NT_FILE note at " + hex(note_offset);
	CoreBuilder b;
	b.add_note("CORE", NT_FILE, file_note(1ull << 62, 4096, std::string("/a\0", 3)));
	expect_open_error(b, ErrorCode::corrupt, name + " is too short for its entries");
	b = CoreBuilder();
	b.add_note("CORE", NT_FILE, file_note(1, 4096, "/no-nul"));
	expect_open_error(b, ErrorCode::corrupt, name + " ends inside path 0");
	b = CoreBuilder();
	b.add_note("CORE", NT_FILE, file_note(1, 0, std::string("/a\0", 3)));
	expect_open_error(b, ErrorCode::corrupt, name + " has page size 0");
	b = CoreBuilder();
	b.add_note("CORE", NT_FILE, file_note(1, 1ull << 60, std::string("/a\0", 3))); // overflows
	expect_open_error(b, ErrorCode::corrupt, name + " has a bad entry 0");
	b = CoreBuilder(); // the same note from another owner is none of our business
	b.add_note("LINUX", NT_FILE, file_note(1ull << 62, 4096, ""));
	EXPECT_TRUE(open(b).ok());
}

TEST_F(ProcessCoreTest, AuxvAndCommand)
{
	CoreBuilder b;
	b.add_prstatus(1);
	b.add_prpsinfo("qemu-system-x86");
	b.add_auxv({{AT_PAGESZ, 4096}, {AT_ENTRY, 0x555555556e30}, {AT_NULL, 0}, {AT_BASE, 7}});
	b.add_prstatus(2);
	auto core = open_ok(b);
	ASSERT_TRUE(core);
	EXPECT_EQ(core->auxv(AT_PAGESZ), 4096u);
	EXPECT_EQ(core->auxv(AT_ENTRY), 0x555555556e30u);
	EXPECT_EQ(core->auxv(AT_BASE), std::nullopt); // after AT_NULL
	EXPECT_EQ(core->auxv(AT_PHDR), std::nullopt);
	EXPECT_EQ(core->command(), "qemu-system-x86");
	EXPECT_EQ(core->executable_path(), "");
	EXPECT_EQ(core->load_bias(), std::nullopt);

	CoreBuilder full_name; // pr_fname has no NUL when the name fills it
	full_name.add_prpsinfo("0123456789abcdefXYZ");
	core = open_ok(full_name);
	ASSERT_TRUE(core);
	EXPECT_EQ(core->command(), "0123456789abcdef");
}

TEST_F(ProcessCoreTest, ReadIntegersAndStrings)
{
	CoreBuilder b;
	Bytes bytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 'q', 'e', 'm', 'u', 0, 'x'};
	b.add_load(base, bytes, 0x2000);
	b.add_load(base + 0x2000, {'a', 'b', 'c'});
	auto core = open_ok(b);
	ASSERT_TRUE(core);
	EXPECT_EQ(*core->read_u64(base), 0x0807060504030201u);
	EXPECT_EQ(*core->read_u32(base + 4), 0x08070605u);
	EXPECT_EQ(*core->read_string(base + 8, 16), "qemu");
	EXPECT_EQ(*core->read_string(base + 8, 5), "qemu");
	auto r = core->read_string(base + 8, 4);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().to_string(), path + ": no NUL in the 4 bytes at 0x7f0000000008");
	r = core->read_string(base + 13, 16); // "x", then the not-dumped tail
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, ErrorCode::absent);
	EXPECT_EQ(r.error().at, base + bytes.size());
	EXPECT_FALSE(core->read_u64(base + 0x2000).ok());
	EXPECT_FALSE(core->read_u32(base - 2).ok());
}

const Bytes build_id = {0xd9, 0x54, 0x1f, 0xd6, 0x7c, 0x4e, 0xa3, 0x7f, 0x9c, 0xa7,
			0xfc, 0xa0, 0xf5, 0x09, 0x6f, 0x32, 0xb3, 0xb7, 0xe7, 0xe0};

void add_executable(CoreBuilder &b, uint64_t bias, uint64_t page_bytes)
{
	Bytes page = test::executable_page(build_id);
	page.resize(page_bytes);
	b.add_load(bias + 0x1000, pattern(0x1000, 5)); // text first: any order will do
	b.add_load(bias, page, 0x1000);
	b.add_file_note({{bias - 0x200000, bias - 0x100000, 0, "/usr/lib/libc.so.6"},
			 {bias, bias + 0x1000, 0, "/usr/bin/qemu-system-x86_64"},
			 {bias + 0x1000, bias + 0x2000, 0x1000, "/usr/bin/qemu-system-x86_64"}},
			1);
	b.add_auxv({{AT_PHDR, bias + test::executable_phdr_offset},
		    {AT_PHENT, sizeof(Elf64_Phdr)},
		    {AT_PHNUM, test::executable_phnum}});
}

TEST_F(ProcessCoreTest, FindsExecutableBiasAndBuildId)
{
	CoreBuilder b;
	add_executable(b, 0x55df13532000, 0x1000);
	auto core = open_ok(b);
	ASSERT_TRUE(core);
	EXPECT_EQ(core->executable_path(), "/usr/bin/qemu-system-x86_64");
	EXPECT_EQ(core->load_bias(), 0x55df13532000u);
	EXPECT_EQ(core->executable_build_id(), build_id);
}

TEST_F(ProcessCoreTest, ExecutableMemoryAbsent)
{
	CoreBuilder phdrs_only; // the notes at 0x200 are in the not-dumped tail
	add_executable(phdrs_only, 0x55df13532000, 0x100);
	auto core = open_ok(phdrs_only);
	ASSERT_TRUE(core);
	EXPECT_EQ(core->executable_path(), "/usr/bin/qemu-system-x86_64");
	EXPECT_EQ(core->load_bias(), 0x55df13532000u);
	EXPECT_TRUE(core->executable_build_id().empty());

	CoreBuilder nothing;
	add_executable(nothing, 0x55df13532000, 0);
	core = open_ok(nothing);
	ASSERT_TRUE(core);
	EXPECT_EQ(core->executable_path(), "/usr/bin/qemu-system-x86_64");
	EXPECT_EQ(core->load_bias(), std::nullopt);
	EXPECT_TRUE(core->executable_build_id().empty());
}

// A reference model, one entry per byte of a small address space, against which translate() and
// read() are checked on random layouts: unsorted loads, gaps, holes, not-dumped tails, truncation.
class CoreModel {
public:
	static constexpr uint64_t space = 0x30000;

	explicit CoreModel(uint32_t seed) : random_(seed), bytes_(space) { build(); }

	std::vector<CorePiece> expected_pieces(uint64_t from, uint64_t to) const
	{
		std::vector<CorePiece> pieces;
		for (uint64_t a = from; a < to; a++) {
			CorePiece piece = at(a);
			if (!pieces.empty() && pieces.back().present() == piece.present() &&
			    (piece.present() ? *pieces.back().file_offset + pieces.back().length ==
						       *piece.file_offset
					     : pieces.back().reason == piece.reason))
				pieces.back().length++;
			else
				pieces.push_back(piece);
		}
		return pieces;
	}

	CorePiece at(uint64_t a) const
	{
		if (a >= space)
			return absent(base + a, 1, AbsentReason::unmapped);
		const Byte &byte = bytes_[a];
		if (!byte.offset)
			return absent(base + a, 1, byte.reason);
		return present(base + a, 1, *byte.offset);
	}

	uint8_t value(uint64_t a) const { return bytes_[a].value; }
	CoreBuilder builder;

private:
	struct Byte {
		std::optional<uint64_t> offset;
		AbsentReason reason = AbsentReason::unmapped;
		uint8_t value = 0;
	};
	struct Load {
		uint64_t start, filesz, memsz;
		bool sparse;
	};

	static uint8_t seed(const Load &load) { return static_cast<uint8_t>(load.start >> 8); }

	uint64_t pick(uint64_t low, uint64_t high) { return low + random_() % (high - low + 1); }

	void build()
	{
		std::vector<Load> loads;
		for (uint64_t a = pick(0, 2) * 0x100; a < space - 0x2000;) {
			uint64_t memsz = pick(1, 16) * 0x100;
			// Whole, not dumped, or partly dumped.
			uint64_t part = pick(0, memsz / 0x100) * 0x100;
			uint64_t filesz = std::vector<uint64_t>{memsz, 0, part}[pick(0, 2)];
			loads.push_back({a, filesz, memsz, pick(0, 3) == 0});
			a += memsz + pick(0, 1) * pick(0, 8) * 0x100;
		}
		std::shuffle(loads.begin(), loads.end(), random_);
		for (const Load &load : loads)
			add(load);
		uint64_t size = builder.file_size();
		builder.truncate_at = size - std::min(size, pick(0, 0x3000));
		for (size_t i = 0; i < loads.size(); i++)
			record(loads[i], builder.file_offset(i), *builder.truncate_at);
	}

	void add(const Load &load)
	{
		if (load.sparse) {
			builder.add_sparse_load(base + load.start, load.filesz, load.memsz);
			return;
		}
		builder.add_load(base + load.start, pattern(load.filesz, seed(load)), load.memsz);
	}

	void record(const Load &load, uint64_t offset, uint64_t file_size)
	{
		Bytes values = pattern(load.filesz, seed(load));
		for (uint64_t i = 0; i < load.memsz; i++) {
			Byte &byte = bytes_[load.start + i];
			if (i >= load.filesz)
				byte.reason = AbsentReason::not_dumped;
			else if (offset + i >= file_size)
				byte.reason = AbsentReason::truncated;
			else
				byte = {offset + i, AbsentReason::unmapped,
					load.sparse ? uint8_t{0} : values[i]};
		}
	}

	std::mt19937 random_;
	std::vector<Byte> bytes_;
};

TEST_F(ProcessCoreTest, MatchesModelOnRandomLayouts)
{
	for (uint32_t seed = 1; seed <= 8; seed++) {
		SCOPED_TRACE(seed);
		CoreModel model(seed);
		auto core = open_ok(model.builder);
		ASSERT_TRUE(core);
		std::mt19937 random(seed);
		for (int i = 0; i < 100; i++) {
			uint64_t from = random() % (CoreModel::space + 0x1000);
			uint64_t length = random() % 0x3000;
			auto pieces = model.expected_pieces(from, from + length);
			ASSERT_EQ(str(core->translate(base + from, length)), str(pieces))
				<< hex(from) << "+" << hex(length);
			Bytes bytes(length);
			auto r = core->read(base + from, bytes.data(), bytes.size());
			auto is_absent = [](const CorePiece &p) { return !p.present(); };
			auto first_absent = std::find_if(pieces.begin(), pieces.end(), is_absent);
			ASSERT_EQ(r.ok(), first_absent == pieces.end());
			if (!r.ok()) {
				EXPECT_EQ(r.error().at, first_absent->vaddr);
				continue;
			}
			for (uint64_t j = 0; j < length; j++)
				ASSERT_EQ(bytes[j], model.value(from + j)) << hex(from + j);
		}
	}
}

// Damaged headers and notes must give an error or a usable core, never a crash (run this under
// the sanitizers).
TEST_F(ProcessCoreTest, SurvivesRandomDamage)
{
	CoreBuilder b;
	add_executable(b, 0x555555554000, 0x1000);
	b.add_prpsinfo("qemu");
	// Damage the ELF header, program headers and notes: everything up to the end of the notes.
	uint64_t header_bytes = 0;
	b.edit_headers = [&](CoreHeaders &h) {
		header_bytes = h.phdrs[0].p_offset + h.phdrs[0].p_filesz;
	};
	b.write(path);
	Bytes original(b.file_size());
	std::ifstream(path).read(reinterpret_cast<char *>(original.data()),
				 static_cast<std::streamsize>(original.size()));
	int fd = ::open(path.c_str(), O_WRONLY);
	ASSERT_GE(fd, 0);
	std::mt19937 random(42);
	int opened = 0;
	for (int i = 0; i < 2000; i++) {
		Bytes damaged(original.begin(), original.begin() + header_bytes);
		for (int j = random() % 4; j >= 0; j--)
			damaged[random() % header_bytes] = static_cast<uint8_t>(random());
		ASSERT_EQ(pwrite(fd, damaged.data(), damaged.size(), 0), ssize_t(damaged.size()));
		auto core = ProcessCore::open(path);
		if (!core.ok()) {
			EXPECT_EQ(core.error().to_string().rfind(path + ": ", 0), 0u);
			EXPECT_EQ(core.error().message.find('\n'), std::string::npos);
			continue;
		}
		opened++;
		for (const CorePiece &piece : (*core)->translate(0, UINT64_MAX)) {
			if (!piece.present())
				continue;
			ASSERT_LE(*piece.file_offset + piece.length, original.size());
			Bytes bytes(piece.length);
			EXPECT_TRUE((*core)->read(piece.vaddr, bytes.data(), bytes.size()).ok());
		}
	}
	close(fd);
	// Both outcomes must have been exercised for the test to mean anything.
	EXPECT_GT(opened, 200);
	EXPECT_LT(opened, 1800);
}

// --- Real cores of a tiny C program ------------------------------------------------------------

// Prints what a core of it must say, its own /proc/self/maps included, then aborts.
const char crash_program[] = R"(#include <stdio.h>
#include <stdlib.h>
#include <string.h>
extern const char __ehdr_start[];
int main(void)
{
	char line[4096], *marker = malloc(64);
	strcpy(marker, "vmcorefs-marker");
	printf("vmcorefs-test %lx %lx\n", (unsigned long)__ehdr_start, (unsigned long)marker);
	FILE *maps = fopen("/proc/self/maps", "r");
	while (maps && fgets(line, sizeof line, maps))
		printf("map %s", line);
	fflush(stdout);
	abort();
}
)";

// The tiny program, built as a PIE, and what it printed before it crashed.
struct CrashProgram {
	std::string path;
	std::string build_id;               // hex, from readelf
	uint64_t bias = 0;                  // where its ELF header was loaded
	uint64_t marker = 0;                // a heap string it wrote
	std::vector<FileMapping> file_maps; // file-backed lines of /proc/self/maps
};

std::optional<CrashProgram> build_program(const TempDir &dir)
{
	std::ofstream(dir.file("crashme.c")) << crash_program;
	CrashProgram program{dir.file("crashme"), {}, 0, 0, {}};
	if (!run(std::string(VMCOREFS_TEST_CC) + " -O0 -fPIE -pie -Wl,--build-id -o " +
		 program.path + " " + dir.file("crashme.c")))
		return std::nullopt;
	run("readelf -n " + program.path + " > " + dir.file("notes.txt"));
	std::string notes = slurp(dir.file("notes.txt"));
	size_t at = notes.find("Build ID: ");
	if (at != std::string::npos)
		program.build_id = notes.substr(at + 10, notes.find('\n', at) - at - 10);
	program.path = std::filesystem::canonical(program.path);
	return program;
}

// Reads the program's output (from a file that gdb may have written to as well).
bool parse_program_output(const std::string &output_path, CrashProgram &program)
{
	std::istringstream output(slurp(output_path));
	bool found = false;
	for (std::string line; std::getline(output, line);) {
		FileMapping m;
		unsigned long inode = 0;
		int path_at = 0;
		if (std::sscanf(line.c_str(), "vmcorefs-test %lx %lx", &program.bias,
				&program.marker) == 2)
			found = true;
		else if (std::sscanf(line.c_str(), "map %lx-%lx %*s %lx %*s %lu %n", &m.start,
				     &m.end, &m.file_offset, &inode, &path_at) == 4 &&
			 inode != 0 && line.c_str()[path_at] == '/') {
			m.path = line.substr(static_cast<size_t>(path_at));
			program.file_maps.push_back(m);
		}
	}
	return found && !program.file_maps.empty();
}

bool write_gcore(const TempDir &dir, const std::string &program, const std::string &core)
{
	return run("cd " + dir.path() + " && timeout 120 gdb -nx -batch -ex run -ex 'gcore " +
		   core + "' " + program + " > " + dir.file("out.txt") + " 2>&1");
}

std::string hex_string(const std::vector<uint8_t> &bytes)
{
	std::string out;
	for (uint8_t b : bytes) {
		char digits[3];
		std::snprintf(digits, sizeof digits, "%02x", b);
		out += digits;
	}
	return out;
}

void check_real_core(const std::string &core_path, const CrashProgram &program)
{
	auto core = ProcessCore::open(core_path);
	ASSERT_TRUE(core.ok()) << core.error().to_string();
	EXPECT_EQ((*core)->executable_path(), program.path);
	EXPECT_EQ((*core)->load_bias(), program.bias);
	EXPECT_FALSE(program.build_id.empty());
	EXPECT_EQ(hex_string((*core)->executable_build_id()), program.build_id);
	EXPECT_EQ((*core)->command(), "crashme");
	auto marker = (*core)->read_string(program.marker, 64);
	ASSERT_TRUE(marker.ok()) << marker.error().to_string();
	EXPECT_EQ(*marker, "vmcorefs-marker");
	uint32_t magic = 0;
	ASSERT_TRUE((*core)->read(program.bias, &magic, sizeof magic).ok());
	EXPECT_EQ(std::memcmp(&magic, ELFMAG, SELFMAG), 0);
	// NT_FILE as the process saw its mappings, offsets in bytes whatever the convention.
	for (const FileMapping &want : program.file_maps) {
		auto same = [&](const FileMapping &m) {
			return m.start == want.start && m.end == want.end &&
			       m.file_offset == want.file_offset && m.path == want.path;
		};
		auto mappings = (*core)->file_mappings();
		EXPECT_TRUE(std::any_of(mappings.begin(), mappings.end(), same))
			<< want.path << " " << hex(want.start) << " at " << hex(want.file_offset);
	}
}

// The kernel's core (NT_FILE in pages). core_pattern may send cores elsewhere (systemd-coredump,
// apport): then gcore stands in, and the gcore test below still covers its convention.
TEST(ProcessCoreRealTest, KernelCore)
{
	TempDir dir;
	auto program = build_program(dir);
	if (!program)
		GTEST_SKIP() << "no C compiler (" << VMCOREFS_TEST_CC << ")";
	run("cd " + dir.path() + " && timeout 60 sh -c 'ulimit -c unlimited; exec " +
	    program->path + "' > " + dir.file("out.txt") + " 2>/dev/null");
	std::string core_path;
	for (const auto &entry : std::filesystem::directory_iterator(dir.path()))
		if (entry.path().filename().string().starts_with("core"))
			core_path = entry.path();
	if (core_path.empty()) {
		core_path = dir.file("gcore");
		ASSERT_TRUE(write_gcore(dir, program->path, core_path));
	}
	ASSERT_TRUE(parse_program_output(dir.file("out.txt"), *program));
	check_real_core(core_path, *program);
}

// gdb's gcore (NT_FILE in bytes, excluded mappings left out altogether).
TEST(ProcessCoreRealTest, GcoreCore)
{
	TempDir dir;
	auto program = build_program(dir);
	if (!program)
		GTEST_SKIP() << "no C compiler (" << VMCOREFS_TEST_CC << ")";
	if (!run("gdb --version > /dev/null 2>&1"))
		GTEST_SKIP() << "no gdb";
	std::string core_path = dir.file("gcore");
	ASSERT_TRUE(write_gcore(dir, program->path, core_path));
	ASSERT_TRUE(parse_program_output(dir.file("out.txt"), *program));
	check_real_core(core_path, *program);
}

} // namespace
} // namespace vmcorefs
