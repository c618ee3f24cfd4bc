// CorePrefetch on a real file on disk, its page cache state read back with mincore(2): a
// sequential reader has the core asked ahead of it and the pages so brought in dropped behind it,
// the mapping reading no more around a fault meanwhile; a late READ does not end its run; pages
// cached before, and every page when the user keeps the cache, stay; a random reader has nothing
// asked ahead.
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include "core_prefetch.h"

namespace vmcorefs {
namespace {

constexpr uint64_t MiB = uint64_t{1} << 20;
constexpr uint64_t core_size = 96 * MiB;
constexpr uint64_t read_size = MiB; // what the kernel's 1 MiB readahead window sends

class CorePrefetchTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (geteuid() != 0)
			GTEST_SKIP()
				<< "dropping a file's pages needs root (drop_caches is not used)";
		// Beside the build, on disk: a tmpfs file's pages are its data and are never
		// dropped.
		char name[] = "core_prefetch_test.XXXXXX";
		fd_ = mkstemp(name);
		ASSERT_GE(fd_, 0);
		unlink(name);
		std::vector<char> chunk(MiB, 'x');
		for (uint64_t at = 0; at < core_size; at += MiB)
			ASSERT_EQ(pwrite(fd_, chunk.data(), MiB, static_cast<off_t>(at)), MiB);
		ASSERT_EQ(fdatasync(fd_), 0);
		ASSERT_EQ(posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED), 0);
		void *at = mmap(nullptr, core_size, PROT_READ, MAP_SHARED, fd_, 0);
		ASSERT_NE(at, MAP_FAILED);
		map_ = static_cast<const std::byte *>(at);
		// A fault brings in its own page only, so that every other page the test finds
		// cached was asked for by CorePrefetch.
		ASSERT_EQ(madvise(const_cast<std::byte *>(map_), core_size, MADV_RANDOM), 0);
		ASSERT_EQ(cached(0, core_size), 0u) << "the file's pages could not be dropped";
	}
	void TearDown() override
	{
		if (map_)
			munmap(const_cast<std::byte *>(map_), core_size);
		if (fd_ >= 0)
			close(fd_);
	}

	std::span<const std::byte> mapping() const { return {map_, core_size}; }

	// Pages of [from, to) in the page cache.
	uint64_t cached(uint64_t from, uint64_t to) const
	{
		std::vector<unsigned char> in((to - from) / 4096);
		EXPECT_EQ(mincore(const_cast<std::byte *>(map_ + from), to - from, in.data()), 0);
		uint64_t n = 0;
		for (unsigned char page : in)
			n += page & 1;
		return n;
	}

	// What a READ reply does: the kernel copies the bytes from the mapping.
	void serve(CorePrefetch &prefetch, uint64_t at, uint64_t length)
	{
		volatile char sink = 0;
		for (uint64_t i = 0; i < length; i += 4096)
			sink = sink + static_cast<char>(map_[at + i]);
		prefetch.served(file_, at, at + length);
	}

	// The pages of [from, to) in the page cache once `expected` of them are, or after 5 s:
	// WILLNEED starts reading and returns, and CorePrefetch asks from a thread of its own.
	uint64_t cached_in_time(uint64_t from, uint64_t to, uint64_t expected) const
	{
		for (int i = 0; i < 500 && cached(from, to) != expected; i++)
			usleep(10000);
		return cached(from, to);
	}

	// Whether the mapping reads around a page fault: its VmFlags in smaps lack "rr"
	// (VM_RAND_READ, MADV_RANDOM).
	bool reads_around() const
	{
		char start[32];
		std::snprintf(start, sizeof start, "%lx-", reinterpret_cast<unsigned long>(map_));
		std::ifstream smaps("/proc/self/smaps");
		bool ours = false;
		for (std::string line; std::getline(smaps, line);) {
			if (line.starts_with(start))
				ours = true;
			else if (ours && line.starts_with("VmFlags:"))
				return (line + " ").find(" rr ") == std::string::npos;
		}
		ADD_FAILURE() << "the mapping is not in /proc/self/smaps";
		return false;
	}

	// reads_around() once it is `expected`, or after 5 s: the prefetcher's thread advises.
	bool reads_around_in_time(bool expected) const
	{
		for (int i = 0; i < 500 && reads_around() != expected; i++)
			usleep(10000);
		return reads_around();
	}

	int fd_ = -1;
	const std::byte *map_ = nullptr;
	// A served file that is the core itself, byte for byte.
	const ExtentTable file_{{{0, core_size, Extent::Source::core, 0}}, {}};
};

TEST_F(CorePrefetchTest, ASequentialReaderHasTheCoreAskedAheadAndDroppedBehind)
{
	{
		CorePrefetch prefetch(fd_, mapping(), true);
		serve(prefetch, 0, read_size);
		serve(prefetch, read_size, read_size); // now sequential: asked up to a window ahead
		uint64_t frontier = 2 * read_size + CorePrefetch::window;
		EXPECT_EQ(cached_in_time(2 * read_size, frontier, CorePrefetch::window / 4096),
			  CorePrefetch::window / 4096);
		EXPECT_EQ(cached(frontier, core_size), 0u);
		for (uint64_t at = 2 * read_size; at < 64 * MiB; at += read_size)
			serve(prefetch, at, read_size);
	} // and its thread has done what was planned
	// The first two READs faulted their own pages: not CorePrefetch's to drop.
	EXPECT_EQ(cached(0, 2 * read_size), 2 * read_size / 4096);
	// What was asked ahead and served has been dropped: once the reader was past it (by more
	// than the few READs the kernel keeps in flight), or when the prefetcher ended. (Pages
	// still being read ahead of the reader then cannot be dropped: the kernel keeps a page
	// under I/O.)
	EXPECT_EQ(cached(2 * read_size, 64 * MiB), 0u);
}

TEST_F(CorePrefetchTest, TheMappingReadsAroundAFaultOnlyWhileNoRunIsAskedFor)
{
	ASSERT_EQ(madvise(const_cast<std::byte *>(map_), core_size, MADV_NORMAL), 0);
	CorePrefetch prefetch(fd_, mapping(), true);
	serve(prefetch, 0, read_size);
	usleep(100000);
	EXPECT_TRUE(reads_around()) << "one READ is no run yet";
	serve(prefetch, read_size, read_size);
	EXPECT_FALSE(reads_around_in_time(false)) << "the run is asked for ahead";
	serve(prefetch, 80 * MiB, 4096); // a jump: the run ends
	EXPECT_TRUE(reads_around_in_time(true)) << "the run ended";
}

TEST_F(CorePrefetchTest, ALateReadDoesNotEndTheRun)
{
	CorePrefetch prefetch(fd_, mapping(), true);
	for (uint64_t at = 0; at < 24 * MiB; at += read_size)
		serve(prefetch, at, read_size);
	uint64_t ahead = 24 * MiB + CorePrefetch::window / 2; // asked for by now, whatever came
	ASSERT_EQ(cached_in_time(24 * MiB, ahead, (ahead - 24 * MiB) / 4096),
		  (ahead - 24 * MiB) / 4096);
	// A READ the kernel sent with the early ones, answered after a worker waited for the disk.
	serve(prefetch, 12 * MiB, read_size);
	usleep(100000); // time for a drop that should not have been planned to show
	EXPECT_EQ(cached(24 * MiB, ahead), (ahead - 24 * MiB) / 4096)
		<< "the run ended: what was asked ahead of it was dropped";
}

TEST_F(CorePrefetchTest, ReadingElsewhereDropsWhatWasAskedForTheRunThatEnded)
{
	{
		CorePrefetch prefetch(fd_, mapping(), true);
		for (uint64_t at = 0; at < 8 * MiB; at += read_size)
			serve(prefetch, at, read_size);
		serve(prefetch, 80 * MiB, 4096); // a jump: the run ends
	}
	// What was asked ahead and served, though the reader was not far past it yet; the first
	// two READs faulted their own pages. (What was asked and not served is dropped too, but
	// for pages the kernel was still reading.)
	EXPECT_EQ(cached(2 * read_size, 8 * MiB), 0u);
	EXPECT_EQ(cached(0, 2 * read_size), 2 * read_size / 4096);
}

TEST_F(CorePrefetchTest, PagesCachedBeforeStayCached)
{
	// Someone else read the whole core first.
	volatile char sink = 0;
	for (uint64_t i = 0; i < core_size; i += 4096)
		sink = sink + static_cast<char>(map_[i]);
	{
		CorePrefetch prefetch(fd_, mapping(), true);
		for (uint64_t at = 0; at < core_size; at += read_size)
			serve(prefetch, at, read_size);
	}
	EXPECT_EQ(cached(0, core_size), core_size / 4096);
}

TEST_F(CorePrefetchTest, KeepingTheCoreCacheDropsNothing)
{
	{
		CorePrefetch prefetch(fd_, mapping(), false);
		for (uint64_t at = 0; at < 64 * MiB; at += read_size)
			serve(prefetch, at, read_size);
	}
	// Every page the reader was served, asked ahead or not, is still cached.
	EXPECT_EQ(cached(0, 64 * MiB), 64 * MiB / 4096);
}

TEST_F(CorePrefetchTest, ARandomReaderHasNothingAskedAhead)
{
	const uint64_t offsets[] = {40 * MiB, 8 * MiB, 72 * MiB, 16 * MiB, 56 * MiB, 0};
	{
		CorePrefetch prefetch(fd_, mapping(), true);
		for (uint64_t at : offsets)
			serve(prefetch, at, 64 * 1024);
	}
	usleep(100000); // time for reads that should not have been asked for to show
	EXPECT_EQ(cached(0, core_size), std::size(offsets) * 16);
}

} // namespace
} // namespace vmcorefs
