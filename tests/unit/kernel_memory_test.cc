// KernelMemory's page-table walks over synthetic tables: x86_64 with 4- and 5-level paging and
// 2 MiB and 1 GiB pages, arm64 with 4 KiB granules at 48 and 39 bits, blocks and pages.
#include <cstring>

#include <gtest/gtest.h>

#include "kernel/kernel_memory.h"
#include "physical_memory.h"

namespace vmcorefs {
namespace {

constexpr uint64_t start_kernel_map = 0xffffffff80000000;

std::string x86_vmcoreinfo(uint64_t pgt_paddr, int64_t phys_base, bool l5, uint64_t sme_mask = 0)
{
	char text[512];
	std::snprintf(text, sizeof text,
		      "OSRELEASE=6.1.0\nSYMBOL(init_top_pgt)=%llx\nNUMBER(phys_base)=%lld\n"
		      "NUMBER(pgtable_l5_enabled)=%d\nNUMBER(sme_mask)=%llu\n",
		      static_cast<unsigned long long>(pgt_paddr - phys_base + start_kernel_map),
		      static_cast<long long>(phys_base), l5 ? 1 : 0,
		      static_cast<unsigned long long>(sme_mask));
	return text;
}

TEST(KernelMemory, X86FourLevelsWithEveryPageSize)
{
	PhysicalMemory mem;
	const uint64_t pml4 = 0x10000, pdpt = 0x11000, pd = 0x12000, pt = 0x13000;
	const uint64_t sme = uint64_t{1} << 47;
	// The direct map: a 4 KiB page, a 2 MiB page and a 1 GiB page; entries carry the SME bit.
	uint64_t small = 0xffff888000201000, large = 0xffff888000400000, huge = 0xffff888040000000;
	mem.set(pml4 + 8 * x86_index(small, 4), pdpt | sme | 0x63);
	mem.set(pdpt + 8 * x86_index(small, 3), pd | sme | 0x63);
	mem.set(pdpt + 8 * x86_index(huge, 3), 0x80000000 | sme | 0xe3);
	mem.set(pd + 8 * x86_index(small, 2), pt | sme | 0x63);
	mem.set(pd + 8 * x86_index(large, 2), 0x600000 | sme | 0xe3);
	mem.set(pt + 8 * x86_index(small, 1), 0x7000 | sme | 0x63);
	mem.set(pt + 8 * x86_index(small + 0x2000, 1), 0); // not present

	auto memory =
		KernelMemory::open(62, x86_vmcoreinfo(pml4, -0x1000000, false, sme), mem.reader());
	ASSERT_TRUE(memory) << memory.error().to_string();
	EXPECT_EQ(*memory->translate(small + 0x123), 0x7123u);
	EXPECT_EQ(*memory->translate(large + 0x1234b), 0x61234bu);
	EXPECT_EQ(*memory->translate(huge + 0x12345678), 0x92345678u);
	auto unmapped = memory->translate(0xffff888000203000);
	ASSERT_FALSE(unmapped);
	EXPECT_EQ(unmapped.error().code, ErrorCode::absent);
	EXPECT_NE(unmapped.error().message.find("not mapped"), std::string::npos);
}

TEST(KernelMemory, X86FromCr3ListsPagesHolesAndWhatIsWritable)
{
	PhysicalMemory mem;
	const uint64_t pml4 = 0x30000, pdpt = 0x31000, pd = 0x32000, pt = 0x33000;
	const uint64_t base = 0xffffffff81000000; // PD entry 8 of the image's 1 GiB
	for (uint64_t table : {pml4, pdpt, pd, pt})
		mem.add_page(table); // entries not present where not set
	mem.set(pml4 + 8 * x86_index(base, 4), pdpt | 3);
	mem.set(pdpt + 8 * x86_index(base, 3), pd | 3);
	mem.set(pd + 8 * x86_index(base, 2), 0x1000000 | 0x83);            // 2 MiB, writable
	mem.set(pd + 8 * x86_index(base + 0x200000, 2), pt | 1);           // read-only table...
	mem.set(pt + 8 * x86_index(base + 0x201000, 1), 0x5000 | 3);       // ...of a writable page
	mem.set(pd + 8 * x86_index(base + 0x400000, 2), 0x1400000 | 0x81); // 2 MiB, read-only

	// CR3's low bits are a PCID, not part of the address.
	KernelMemory memory = KernelMemory::x86_64({pml4 | 0x5, false}, mem.reader());
	auto large = memory.mapping(base + 0x1234);
	ASSERT_TRUE(large) << large.error().to_string();
	EXPECT_TRUE(large->present && large->writable);
	EXPECT_EQ(large->start, base);
	EXPECT_EQ(large->size, 0x200000u);
	EXPECT_EQ(large->paddr, 0x1000000u);
	auto small = memory.mapping(base + 0x201010);
	ASSERT_TRUE(small);
	EXPECT_TRUE(small->present);
	EXPECT_FALSE(small->writable) << "a read-only table above it";
	EXPECT_EQ(small->size, 0x1000u);
	EXPECT_EQ(*memory.translate(base + 0x201010), 0x5010u);
	auto hole = memory.mapping(base + 0x200010);
	ASSERT_TRUE(hole);
	EXPECT_FALSE(hole->present);
	EXPECT_EQ(hole->start, base + 0x200000);
	EXPECT_EQ(hole->size, 0x1000u);
	auto read_only = memory.mapping(base + 0x400000);
	ASSERT_TRUE(read_only);
	EXPECT_TRUE(read_only->present);
	EXPECT_FALSE(read_only->writable);
	auto empty = memory.mapping(0xffff888000000000);
	ASSERT_TRUE(empty);
	EXPECT_FALSE(empty->present);
	EXPECT_EQ(empty->size, uint64_t{1} << 39) << "a PML4 entry not present";
}

TEST(KernelMemory, X86FiveLevelsAndReadsAcrossPages)
{
	PhysicalMemory mem;
	const uint64_t pml5 = 0x20000, pml4 = 0x21000, pdpt = 0x22000, pd = 0x23000, pt = 0x24000;
	uint64_t vaddr = 0xff11000000000ff8; // the last word of one page, then the next page
	mem.set(pml5 + 8 * x86_index(vaddr, 5), pml4 | 3);
	mem.set(pml4 + 8 * x86_index(vaddr, 4), pdpt | 3);
	mem.set(pdpt + 8 * x86_index(vaddr, 3), pd | 3);
	mem.set(pd + 8 * x86_index(vaddr, 2), pt | 3);
	mem.set(pt + 8 * x86_index(vaddr, 1), 0x5000 | 3);
	mem.set(pt + 8 * x86_index(vaddr + 8, 1), 0x9000 | 3);
	mem.set(0x5ff8, 0x1122334455667788);
	mem.set(0x9000, 0x99aabbccddeeff00);

	auto memory = KernelMemory::open(62, x86_vmcoreinfo(pml5, 0, true), mem.reader());
	ASSERT_TRUE(memory) << memory.error().to_string();
	uint64_t words[2];
	ASSERT_TRUE(memory->read(vaddr, words, sizeof words));
	EXPECT_EQ(words[0], 0x1122334455667788u);
	EXPECT_EQ(words[1], 0x99aabbccddeeff00u);
	// With 4 levels the same tables give another answer: the walk starts from the root as PML4.
	auto four = KernelMemory::open(62, x86_vmcoreinfo(pml5, 0, false), mem.reader());
	ASSERT_TRUE(four);
	EXPECT_FALSE(four->translate(vaddr));
}

TEST(KernelMemory, X86NeedsItsVmcoreinfo)
{
	PhysicalMemory mem;
	auto memory =
		KernelMemory::open(62, "OSRELEASE=6.1.0\nNUMBER(phys_base)=0\n", mem.reader());
	ASSERT_FALSE(memory);
	EXPECT_EQ(memory.error().message, "VMCOREINFO has no SYMBOL(init_top_pgt)");
	auto other = KernelMemory::open(3, x86_vmcoreinfo(0x1000, 0, false), mem.reader());
	ASSERT_FALSE(other);
	EXPECT_EQ(other.error().code, ErrorCode::unsupported);
}

// Linux 4.10 to 4.12 name the root init_level4_pgt.
TEST(KernelMemory, X86RootUnderItsOldName)
{
	PhysicalMemory mem;
	const uint64_t pml4 = 0x10000, pdpt = 0x11000;
	uint64_t huge = 0xffff888040000000;
	mem.set(pml4 + 8 * x86_index(huge, 4), pdpt | 0x63);
	mem.set(pdpt + 8 * x86_index(huge, 3), 0x80000000 | 0xe3);
	std::string text = x86_vmcoreinfo(pml4, 0, false);
	text.replace(text.find("init_top_pgt"), 12, "init_level4_pgt");
	auto memory = KernelMemory::open(62, text, mem.reader());
	ASSERT_TRUE(memory) << memory.error().to_string();
	EXPECT_EQ(*memory->translate(huge + 0x1234), 0x80001234u);
}

std::string arm64_vmcoreinfo(uint64_t pgd_paddr, uint64_t voffset, unsigned va_bits)
{
	char text[512];
	std::snprintf(text, sizeof text,
		      "OSRELEASE=6.1.0\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=%llx\n"
		      "NUMBER(kimage_voffset)=0x%llx\nNUMBER(TCR_EL1_T1SZ)=0x%x\n",
		      static_cast<unsigned long long>(pgd_paddr + voffset),
		      static_cast<unsigned long long>(voffset), 64 - va_bits);
	return text;
}

TEST(KernelMemory, Arm64FortyEightBitsPagesAndBlocks)
{
	PhysicalMemory mem;
	const uint64_t l0 = 0x40010000, l1 = 0x40011000, l2 = 0x40012000, l3 = 0x40013000;
	uint64_t page = 0xffff000000403000, block = 0xffff000000600000;
	auto index = [](uint64_t v, unsigned level) { return (v >> (12 + 9 * (3 - level))) & 511; };
	mem.set(l0 + 8 * index(page, 0), l1 | 3);
	mem.set(l1 + 8 * index(page, 1), l2 | 3);
	mem.set(l2 + 8 * index(page, 2), l3 | 3);
	mem.set(l2 + 8 * index(block, 2), 0x40a00000 | 0x701); // a 2 MiB block
	mem.set(l3 + 8 * index(page, 3), 0x40b07000 | 0x703);
	mem.set(l3 + 8 * index(page + 0x1000, 3), 0x40b08000 | 0x783); // AP[2]: read-only

	auto memory =
		KernelMemory::open(183, arm64_vmcoreinfo(l0, 0xffff7fff80000000, 48), mem.reader());
	ASSERT_TRUE(memory) << memory.error().to_string();
	EXPECT_EQ(*memory->translate(page + 0x10), 0x40b07010u);
	EXPECT_EQ(*memory->translate(block + 0x12345), 0x40a12345u);
	EXPECT_FALSE(memory->translate(0x0000000000403000)); // the user half
	auto writable = memory->mapping(page), read_only = memory->mapping(page + 0x1000);
	auto large = memory->mapping(block);
	ASSERT_TRUE(writable && read_only && large);
	EXPECT_TRUE(writable->present && writable->writable);
	EXPECT_TRUE(read_only->present && !read_only->writable);
	EXPECT_EQ(large->size, 0x200000u);
	EXPECT_TRUE(large->writable);
}

TEST(KernelMemory, Arm64ThirtyNineBitsStartsAtLevelOne)
{
	PhysicalMemory mem;
	const uint64_t l1 = 0x40020000, l2 = 0x40021000;
	uint64_t vaddr = 0xffffffc000200000;
	uint64_t l1_index = (vaddr >> 30) & 511, l2_index = (vaddr >> 21) & 511;
	mem.set(l1 + 8 * l1_index, l2 | 3);
	mem.set(l2 + 8 * l2_index, 0x41000000 | 1);
	auto memory =
		KernelMemory::open(183, arm64_vmcoreinfo(l1, 0xffffffbf80000000, 39), mem.reader());
	ASSERT_TRUE(memory) << memory.error().to_string();
	EXPECT_EQ(*memory->translate(vaddr + 0x42), 0x41000042u);
}

TEST(KernelMemory, Arm64RefusesOtherPageSizes)
{
	PhysicalMemory mem;
	std::string text = arm64_vmcoreinfo(0x40000000, 0xffff7fff80000000, 48);
	text.replace(text.find("PAGESIZE=4096"), 13, "PAGESIZE=65536");
	auto memory = KernelMemory::open(183, text, mem.reader());
	ASSERT_FALSE(memory);
	EXPECT_EQ(memory.error().code, ErrorCode::unsupported);
}

} // namespace
} // namespace vmcorefs
