// VmcoreView on the vmcores vmcorefs lays out, in both ELF classes, and --compare's verdict when
// the classes differ. Guest memory reads as zeros: only the headers and notes matter here.
#include "vmcore/vmcore_view.h"

#include <algorithm>
#include <cstring>
#include <elf.h>
#include <gtest/gtest.h>
#include <span>

#include "base/elf_note.h"
#include "vmcore/vmcore_compare.h"
#include "vmcore/vmcore_layout.h"

namespace vmcorefs {
namespace {

GuestSegment one_chunk(uint64_t start, uint64_t length)
{
	return {start, start + length, {{start, length, 0}}};
}

// A vmcore whose first bytes are `bytes` and the rest zeros.
Result<VmcoreView> view_of(std::span<const std::byte> bytes, uint64_t size)
{
	auto read = [=](uint64_t offset, void *dst, size_t length) {
		std::memset(dst, 0, length);
		if (offset < bytes.size())
			std::memcpy(dst, bytes.data() + offset,
				    std::min<uint64_t>(length, bytes.size() - offset));
		return Result<void>{};
	};
	return VmcoreView::parse("test.vmcore", size, read);
}

// Two RAM segments below 4 GiB and one CORE note, in the given class.
struct Laid {
	explicit Laid(ElfClass elf_class)
	{
		map.elf_class = elf_class;
		map.elf_machine = EM_386;
		map.segments = {one_chunk(0, 0xa0000), one_chunk(0x100000, 0x7f00000)};
		const std::byte desc[5] = {std::byte{1}, std::byte{2}, std::byte{3}};
		append_elf_note(map.notes, "CORE", NT_PRSTATUS, desc);
		auto built = build_vmcore_table(map);
		EXPECT_TRUE(built.ok());
		table = std::move(built).value();
	}
	Result<VmcoreView> view() const { return view_of(table.generated(), table.size()); }
	GuestMemoryMap map;
	ExtentTable table;
};

void expect_view_of(const Laid &laid, uint8_t elf_class)
{
	auto view = laid.view();
	ASSERT_TRUE(view.ok()) << view.error().to_string();
	EXPECT_EQ(view->elf_class(), elf_class);
	EXPECT_EQ(view->machine(), EM_386);
	ASSERT_EQ(view->loads().size(), 2u);
	EXPECT_EQ(view->loads()[0].offset, 4096u);
	EXPECT_EQ(view->loads()[1].paddr, 0x100000u);
	EXPECT_EQ(view->loads()[1].vaddr, 0x100000u);
	EXPECT_EQ(view->loads()[1].offset, 4096u + 0xa0000);
	EXPECT_EQ(view->loads()[1].filesz, 0x7f00000u);
	EXPECT_EQ(view->loads()[1].memsz, 0x7f00000u);
	ASSERT_EQ(view->notes().size(), 1u);
	EXPECT_EQ(view->notes()[0].name, "CORE");
	EXPECT_EQ(view->notes()[0].type, uint32_t{NT_PRSTATUS});
	EXPECT_EQ(view->notes()[0].desc.size(), 5u);
}

TEST(VmcoreView, ReadsBothClasses)
{
	expect_view_of(Laid(ElfClass::elf64), ELFCLASS64);
	expect_view_of(Laid(ElfClass::elf32), ELFCLASS32);
}

TEST(VmcoreView, RejectsOtherClassesAndByteOrders)
{
	for (auto [index, value] :
	     {std::pair{EI_CLASS, ELFCLASSNONE}, {EI_CLASS, 3}, {EI_DATA, ELFDATA2MSB}}) {
		Laid laid(ElfClass::elf32);
		std::vector<std::byte> bytes(laid.table.generated().begin(),
					     laid.table.generated().end());
		bytes[index] = static_cast<std::byte>(value);
		auto view = view_of(bytes, bytes.size());
		ASSERT_FALSE(view.ok()) << index << " " << value;
		EXPECT_EQ(view.error().to_string(), "test.vmcore: not a little-endian ELF vmcore");
	}
}

TEST(VmcoreView, RejectsAHeaderCutShort)
{
	Laid laid(ElfClass::elf64);
	auto cut = laid.table.generated().first(sizeof(Elf64_Ehdr) - 1);
	auto view = view_of(cut, cut.size());
	ASSERT_FALSE(view.ok());
	EXPECT_EQ(view.error().to_string(), "test.vmcore: not an ELF file");
	EXPECT_TRUE(view_of(laid.table.generated(), laid.table.size()).ok());
}

// The same memory and notes in the other class is a difference --compare names.
TEST(VmcoreView, CompareNamesAClassDifference)
{
	Laid elf32(ElfClass::elf32), elf64(ElfClass::elf64);
	auto a = elf32.view(), b = elf64.view();
	ASSERT_TRUE(a.ok() && b.ok());
	EXPECT_TRUE(compare_vmcores(*a, *a).equal());
	CompareResult result = compare_vmcores(*a, *b);
	ASSERT_EQ(result.differences.size(), 1u);
	EXPECT_EQ(result.differences[0], "EI_CLASS: vmcorefs ELFCLASS32, reference ELFCLASS64");
}

} // namespace
} // namespace vmcorefs
