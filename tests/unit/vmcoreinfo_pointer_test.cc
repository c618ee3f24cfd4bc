// for_each_vmcoreinfo_pointer over a synthetic x86_64 kernel: its image mapped at
// __START_KERNEL_map + 16 MiB (three pages; one more 2 MiB higher in one test), the direct map at
// 0xffff888000000000 (one 1 GiB page), and the three words vmcoreinfo_note, vmcoreinfo_size,
// vmcoreinfo_data somewhere in the image's data.
#include <gtest/gtest.h>
#include <vector>

#include "kernel/vmcoreinfo_pointer.h"
#include "physical_memory.h"

namespace vmcorefs {
namespace {

constexpr uint64_t direct_map = 0xffff888000000000;
constexpr uint64_t image = 0xffffffff81000000;
constexpr uint64_t pml4 = 0x20000, pdpt = 0x21000, pd = 0x22000, pt = 0x23000;
constexpr uint64_t text_page = 0x100000, data_page = 0x101000; // the image's two mapped pages

class Kernel {
public:
	Kernel()
	{
		for (uint64_t table : {pml4, pdpt, pd, pt})
			mem.add_page(table);
		mem.set(pml4 + 8 * x86_index(direct_map, 4), pdpt | 3);
		mem.set(pdpt + 8 * x86_index(direct_map, 3), 0x83); // 1 GiB at 0
		mem.set(pml4 + 8 * x86_index(image, 4), pdpt | 3);
		mem.set(pdpt + 8 * x86_index(image, 3), pd | 3);
		mem.set(pd + 8 * x86_index(image, 2), pt | 3);
		mem.set(pt + 8 * x86_index(image, 1), text_page | 1); // read-only
		mem.set(pt + 8 * x86_index(image + 0x1000, 1), data_page | 3);
		mem.set(pt + 8 * x86_index(image + 0x2000, 1), 0x102000 | 3);
		for (uint64_t page : {text_page, data_page, uint64_t{0x102000}})
			mem.add_page(page);
	}
	// The three words at paddr: note, size, text.
	void variables(uint64_t paddr, uint64_t note, uint64_t text)
	{
		mem.set(paddr, direct_map + note);
		mem.set(paddr + 8, 0xccf);
		mem.set(paddr + 16, direct_map + text);
	}
	// The pages offered, in order, until `note`'s.
	std::vector<uint64_t> offered(uint64_t cr3, uint64_t note) const
	{
		std::vector<uint64_t> pages;
		for_each_vmcoreinfo_pointer({cr3, false}, mem.reader(), [&](uint64_t paddr) {
			pages.push_back(paddr);
			return paddr == note;
		});
		return pages;
	}

	PhysicalMemory mem;
};

TEST(VmcoreinfoPointer, TheImagesWritableDataPointsAtTheNote)
{
	Kernel kernel;
	kernel.variables(text_page + 0x100, 0x7000, 0x8000); // read-only: never searched
	kernel.variables(data_page + 0x930, 0x3b000, 0x3c000);
	EXPECT_EQ(kernel.offered(pml4, 0x3b000), std::vector<uint64_t>{0x3b000});
}

TEST(VmcoreinfoPointer, EitherOrderAndAcrossAPageBoundary)
{
	Kernel kernel;
	// The text's page first, the note's last, the three across the data's two pages.
	kernel.variables(data_page + 0xff8, 0x44000, 0x3b000);
	EXPECT_EQ(kernel.offered(pml4, 0x3b000), (std::vector<uint64_t>{0x44000, 0x3b000}));
}

TEST(VmcoreinfoPointer, WordsThatOnlyLookThePartAreOfferedAndPassedOver)
{
	Kernel kernel;
	kernel.mem.set(data_page + 0x10, direct_map + 0x9000); // a size too large between
	kernel.mem.set(data_page + 0x18, 0x1001);
	kernel.mem.set(data_page + 0x20, direct_map + 0xa000);
	kernel.variables(data_page + 0x100, 0x51000, 0x52000); // a false match, searched first
	kernel.variables(0x102000 + 0x200, 0x3b000, 0x3c000);
	EXPECT_EQ(kernel.offered(pml4, 0x3b000),
		  (std::vector<uint64_t>{0x51000, 0x52000, 0x3b000}));
}

TEST(VmcoreinfoPointer, TheImageIsSearchedFromTheTopDownAWindowAtATime)
{
	// .bss, where the variables are, comes last: a 2 MiB window higher up is searched first.
	Kernel kernel;
	const uint64_t high_pt = 0x24000, high_page = 0x103000;
	kernel.mem.add_page(high_pt);
	kernel.mem.add_page(high_page);
	kernel.mem.set(pd + 8 * x86_index(image + 0x200000, 2), high_pt | 3);
	kernel.mem.set(high_pt, high_page | 3);
	kernel.variables(data_page + 0x100, 0x3b000, 0x3c000);
	kernel.variables(high_page + 0x100, 0x51000, 0x52000); // a false match
	EXPECT_EQ(kernel.offered(pml4, 0x3b000),
		  (std::vector<uint64_t>{0x51000, 0x52000, 0x3b000}));
}

TEST(VmcoreinfoPointer, AtMost64ShapesAreOffered)
{
	// A damaged or crafted image, its data full of words that look the part.
	Kernel kernel;
	for (uint64_t i = 0; i < 70; i++)
		kernel.variables(data_page + 32 * i, 0x200000 + 0x2000 * i, 0x201000 + 0x2000 * i);
	kernel.variables(0x102000, 0x3b000, 0x3c000); // above them: searched after
	std::vector<uint64_t> offered = kernel.offered(pml4, 0x3b000);
	EXPECT_EQ(offered.size(), 128u) << "both words of 64 shapes, and no more";
	EXPECT_EQ(offered.back(), 0x201000u + 0x2000 * 63);
}

TEST(VmcoreinfoPointer, AUserModeVcpusTablesLeadToTheKernels)
{
	// Page-table isolation: CR3 holds the user copy, the odd page of the pair, which maps none
	// of the image's data.
	Kernel kernel;
	kernel.variables(data_page + 0x930, 0x3b000, 0x3c000);
	kernel.mem.add_page(pml4 + 0x1000);
	EXPECT_EQ(kernel.offered(pml4 | 0x1000 | 0x801, 0x3b000), std::vector<uint64_t>{0x3b000});
}

TEST(VmcoreinfoPointer, NoImageNoOffer)
{
	Kernel kernel;
	kernel.variables(data_page + 0x930, 0x3b000, 0x3c000);
	EXPECT_TRUE(kernel.offered(0x60000, 0x3b000).empty()) << "tables not in memory";
	kernel.mem.add_page(0x60000);
	EXPECT_TRUE(kernel.offered(0x60000, 0x3b000).empty()) << "tables that map nothing";
}

} // namespace
} // namespace vmcorefs
