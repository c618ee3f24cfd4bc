// virtio-mem's plugged bitmap replayed onto FlatView sections, as QEMU's dump-guest-memory sees
// it: which pieces of a section are kept, cut where, at which guest address; and the checks that
// keep a corrupt bitmap from being read at all.
#include <gtest/gtest.h>
#include <random>

#include "qemu/plugged_bitmap.h"

namespace vmcorefs {
namespace {

constexpr uint64_t block = 0x200000; // 2 MiB, virtio-mem's default for RAM without huge pages

// A bitmap from a picture: '1' plugged, '0' not, one character per block.
PluggedBitmap bitmap(const std::string &picture, uint64_t block_size = block)
{
	PluggedBitmap b;
	b.block_size = block_size;
	b.bits = picture.size();
	b.bytes.assign((picture.size() + 7) / 8, 0);
	for (size_t i = 0; i < picture.size(); i++)
		if (picture[i] == '1')
			b.bytes[i / 8] |= uint8_t(1u << (i % 8));
	return b;
}

using Sections = std::vector<RegionSection>;

TEST(PluggedBitmap, WholeRegionGivesOnePiecePerRun)
{
	// Region mapped at 4 GiB, as the device memory of a pc machine.
	auto pieces = plugged_sections(bitmap("1101110000"), {0x100000000, 0, 10 * block});
	EXPECT_EQ(pieces, (Sections{{0x100000000, 0, 2 * block},
				    {0x100000000 + 3 * block, 3 * block, 3 * block}}));
}

TEST(PluggedBitmap, RunsAreCutToTheSection)
{
	// Section [1.5 blocks, 4.25 blocks) of the region: starts inside the first run, ends inside
	// the second.
	uint64_t offset = block + block / 2, size = 4 * block + block / 4 - offset;
	auto pieces = plugged_sections(bitmap("1101110000"), {0x80000000, offset, size});
	uint64_t second = 0x80000000 + 3 * block - offset; // guest address of block 3
	EXPECT_EQ(pieces, (Sections{{0x80000000, offset, block / 2},
				    {second, 3 * block, block + block / 4}}));
}

TEST(PluggedBitmap, SectionBetweenRunsOrPastTheBitmapHasNothing)
{
	EXPECT_TRUE(plugged_sections(bitmap("1100011"), {0, 2 * block, 3 * block}).empty());
	EXPECT_TRUE(plugged_sections(bitmap("1111"), {0, 4 * block, block}).empty());
	EXPECT_TRUE(plugged_sections(bitmap("0000000000000000000"), {0, 0, 19 * block}).empty());
}

TEST(PluggedBitmap, RunToTheLastBitAndAcrossBytes)
{
	// Bits 7 to 17 and 20 to 23, the last: runs that cross byte boundaries and end the bitmap.
	auto pieces = plugged_sections(bitmap("000000011111111111001111"), {0, 0, 24 * block});
	EXPECT_EQ(pieces, (Sections{{7 * block, 7 * block, 11 * block},
				    {20 * block, 20 * block, 4 * block}}));
}

TEST(PluggedBitmap, SectionOfAFullyPluggedRegionIsItself)
{
	RegionSection section{0x123456000, 5 * block + 0x1000, 20 * block};
	auto pieces = plugged_sections(bitmap(std::string(64, '1')), section);
	EXPECT_EQ(pieces, Sections{section});
}

// A section whose size would run past 2^64 is cut at 2^64, not wrapped round to a small end.
TEST(PluggedBitmap, HugeSectionSizeDoesNotWrap)
{
	auto pieces = plugged_sections(bitmap("0110"), {0, block, ~uint64_t{0}});
	EXPECT_EQ(pieces, (Sections{{0, block, 2 * block}}));
}

// Against the definition, byte by byte: a byte of the section is dumped if and only if the block
// holding it is plugged, and the pieces are the maximal runs of such bytes (one run of set bits is
// never split). Random bitmaps and sections, with block sizes small enough to enumerate.
TEST(PluggedBitmap, AgreesWithTheDefinitionOnRandomBitmaps)
{
	std::mt19937_64 random(4);
	for (int round = 0; round < 2000; round++) {
		uint64_t block_size = uint64_t{1} << (random() % 4);
		std::string picture(1 + random() % 40, '0');
		for (char &c : picture)
			c = random() % 3 ? '1' : '0';
		uint64_t region = picture.size() * block_size;
		uint64_t offset = random() % region, size = 1 + random() % (region - offset);
		uint64_t guest = 0x1000 * (random() % 16);

		Sections want;
		for (uint64_t at = offset; at < offset + size; at++) {
			if (picture[at / block_size] != '1')
				continue;
			if (!want.empty() && want.back().offset + want.back().size == at)
				want.back().size++;
			else
				want.push_back({guest + at - offset, at, 1});
		}
		auto pieces = plugged_sections(bitmap(picture, block_size), {guest, offset, size});
		EXPECT_EQ(pieces, want) << "bitmap " << picture << ", blocks of " << block_size
					<< ", section " << offset << "+" << size;
	}
}

TEST(PluggedBitmap, BitmapMustCoverItsRegionExactly)
{
	EXPECT_EQ(bitmap_mismatch(block, 512, 512 * block), "");
	EXPECT_EQ(bitmap_mismatch(0, 512, 512 * block), "block size 0x0 is not a power of two");
	EXPECT_EQ(bitmap_mismatch(0x300000, 512, 512 * 0x300000),
		  "block size 0x300000 is not a power of two");
	EXPECT_EQ(bitmap_mismatch(block, 511, 512 * block),
		  "a bitmap of 511 bits does not cover its 0x40000000 bytes in blocks of 0x200000");
	EXPECT_NE(bitmap_mismatch(block, 513, 512 * block), "");
	EXPECT_NE(bitmap_mismatch(block, 0, 0), "");
	// A negative int32_t bitmap_size, read as unsigned, is refused even where it would cover
	// its region (a 512 MiB bitmap); so is a product that wraps round to the region size.
	EXPECT_EQ(bitmap_mismatch(block, 0x80000000, 0x80000000 * block),
		  "a bitmap of 2147483648 bits is more than QEMU's int32_t bitmap_size can count");
	EXPECT_EQ(bitmap_mismatch(block, 0x7fffffff, 0x7fffffff * block), "");
	EXPECT_NE(bitmap_mismatch(uint64_t{1} << 40, 1 << 24, 0), "");
	EXPECT_NE(bitmap_mismatch(uint64_t{1} << 63, 2, 0), "");
}

} // namespace
} // namespace vmcorefs
