// scan_guest_pages: the order in which guest pages are offered, the limit, and that holes of the
// core are skipped, over a real sparse file standing in for the core. Each page of data written
// starts with its own guest address, so a probe read from the wrong place shows.
#include "qemu/vmcoreinfo_scan.h"

#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core_builder.h"
#include "source/mapped_file.h"

namespace vmcorefs {
namespace {

constexpr uint64_t page = 4096;
constexpr uint64_t mib = 1 << 20;
// The one chunk's place in the file: not the guest address, so that a mix-up shows.
constexpr uint64_t chunk_offset = 64 * 1024;

class VmcoreinfoScanTest : public ::testing::Test {
protected:
	// A core holding guest [0, ram_size) at chunk_offset, data only in the pages at `data`.
	void write_core(const std::vector<uint64_t> &data, uint64_t ram_size = 24 * mib)
	{
		ram_size_ = ram_size;
		int fd = open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(ftruncate(fd, chunk_offset + ram_size_), 0);
		for (uint64_t paddr : data) {
			std::vector<std::byte> bytes(page, std::byte{0xaa});
			std::memcpy(bytes.data(), &paddr, sizeof paddr);
			ASSERT_EQ(pwrite(fd, bytes.data(), page, chunk_offset + paddr), page);
		}
		close(fd);
		map_.segments = {{0, ram_size_, {{0, ram_size_, chunk_offset}}}};
	}

	// The guest addresses offered, in order; `accept` ends the scan.
	std::vector<uint64_t> scan(uint64_t limit, uint64_t accept = UINT64_MAX)
	{
		auto file = MappedFile::open(path_);
		EXPECT_TRUE(file);
		std::vector<uint64_t> offered;
		result_ =
			scan_guest_pages(*file, map_, sizeof(uint64_t), limit,
					 [&](uint64_t paddr, std::span<const std::byte> start,
					     uint64_t available) {
						 uint64_t marker;
						 std::memcpy(&marker, start.data(), sizeof marker);
						 EXPECT_EQ(marker, paddr);
						 EXPECT_EQ(available, ram_size_ - paddr);
						 offered.push_back(paddr);
						 return paddr == accept;
					 });
		return offered;
	}

	test::TempDir dir_;
	std::string path_ = dir_.file("core");
	uint64_t ram_size_ = 0;
	GuestMemoryMap map_;
	VmcoreinfoScan result_;
};

// In 24 MiB of RAM, across the 16 MiB zone start: data at the bottom, the middle and the top of
// each side.
const std::vector<uint64_t> spread = {0, 8 * mib, 15 * mib + page, 16 * mib, 23 * mib};

TEST_F(VmcoreinfoScanTest, BothEndsOfEveryRangeComeBeforeTheirMiddles)
{
	write_core(spread);
	using V = std::vector<uint64_t>;
	EXPECT_EQ(scan(UINT64_MAX), (V{0, 15 * mib + page, 16 * mib, 23 * mib, 8 * mib}));
	EXPECT_EQ(result_.examined, spread.size() * page); // holes are not looked at
	EXPECT_FALSE(result_.limit_reached);
}

// 256 MiB of RAM: its page array would take the top 4 MiB, and the fronts start from there too.
TEST_F(VmcoreinfoScanTest, FrontsStartBelowThePageArray)
{
	write_core({17 * mib, 252 * mib, 255 * mib}, 256 * mib);
	using V = std::vector<uint64_t>;
	EXPECT_EQ(scan(UINT64_MAX), (V{17 * mib, 252 * mib, 255 * mib}));
}

// Holes cost nothing: a front crossing them reaches an island of data before a front in data
// moves on.
TEST_F(VmcoreinfoScanTest, AFrontCrossingHolesGoesOnToData)
{
	std::vector<uint64_t> data;
	for (uint64_t paddr = 16 * mib; paddr < 24 * mib; paddr += page)
		data.push_back(paddr);
	data.push_back(100 * mib);
	write_core(data, 256 * mib);
	std::vector<uint64_t> offered = scan(UINT64_MAX);
	ASSERT_EQ(offered.size(), data.size());
	// The first window from 16 MiB, then the front coming down from below the page array, which
	// has still cost least when it reaches the data from above.
	EXPECT_EQ(offered[511], 18 * mib - page);
	EXPECT_EQ(offered[512], 100 * mib);
	EXPECT_EQ(offered[513], 22 * mib);
}

TEST_F(VmcoreinfoScanTest, StopsAtTheCandidateAccepted)
{
	write_core(spread);
	using V = std::vector<uint64_t>;
	EXPECT_EQ(scan(UINT64_MAX, 16 * mib), (V{0, 15 * mib + page, 16 * mib}));
	EXPECT_FALSE(result_.limit_reached);
}

TEST_F(VmcoreinfoScanTest, StopsAtTheLimitAndSaysSo)
{
	write_core(spread);
	using V = std::vector<uint64_t>;
	EXPECT_EQ(scan(2 * page), (V{0, 15 * mib + page}));
	EXPECT_EQ(result_.examined, 2 * page);
	EXPECT_TRUE(result_.limit_reached);
}

TEST_F(VmcoreinfoScanTest, ALimitThatCoversAllDataIsNotReached)
{
	write_core(spread);
	EXPECT_EQ(scan(spread.size() * page).size(), spread.size());
	EXPECT_FALSE(result_.limit_reached);
}

TEST_F(VmcoreinfoScanTest, EveryPageOfAFullWindowIsOffered)
{
	std::vector<uint64_t> full;
	for (uint64_t paddr = 4 * mib; paddr < 6 * mib; paddr += page)
		full.push_back(paddr);
	write_core(full);
	EXPECT_EQ(scan(UINT64_MAX), full);
}

TEST_F(VmcoreinfoScanTest, ACoreThatShrankEndsTheScan)
{
	write_core(spread);
	auto file = MappedFile::open(path_);
	ASSERT_TRUE(file);
	ASSERT_EQ(truncate(path_.c_str(), chunk_offset + 12 * mib), 0);
	std::vector<uint64_t> offered;
	scan_guest_pages(*file, map_, sizeof(uint64_t), UINT64_MAX,
			 [&](uint64_t paddr, std::span<const std::byte>, uint64_t) {
				 offered.push_back(paddr);
				 return false;
			 });
	EXPECT_EQ(offered, std::vector<uint64_t>{0}); // 15 MiB is gone: no zeros offered for it
}

} // namespace
} // namespace vmcorefs
