// What a sequential reader of the mount (cp, makedumpfile, dd, --compare of a copy) costs the page
// cache and the disk. Such a reader walks a file front to back, and so the core.
// - Behind (unless the user keeps the core's cache): pages of the core that vmcorefs brought into
//   the page cache are dropped once served. Their bytes are cached in the mount's own file by
//   then; keeping both held a whole-file read in memory twice (2.0 times guest.vmcore's size,
//   1.0 with this: bench/RESULTS.md). Pages that were cached before (someone else reads the
//   core) are left alone.
// - Ahead: to know which pages it brought in, vmcorefs asks for the core's bytes of the next part
//   of the file itself (POSIX_FADV_WILLNEED), a window ahead of the reader and of the kernel's own
//   readahead, after finding with mincore(2) which of them the page cache lacks. Meanwhile the
//   core's mapping does not read around a page fault (MADV_RANDOM): the kernel would otherwise
//   cache, whenever a worker outran the window, megabytes around that page that vmcorefs never
//   learns it brought in, ahead of the window and behind the reader (in a sparse core, with the
//   holes among them as pages of zeros). A whole read of a sparse 512 MiB guest (93 MiB of data
//   in its core) left 10 to 80 MiB of the core cached with read-around, 7 MiB without: what the
//   mount itself read, and what was read around the first READ, before there was a run to follow.
// The system calls are made by a thread of its own, off the workers' way: a cold read of a 512
// MiB guest lost 17 % of its speed with them in the workers, 7 % with the thread in the same run
// (7 to 32 % over three runs; nothing measurable on a 4.5 GiB guest). One sequential reader is
// followed at a time: while two read the mount at once far apart, each READ of one breaks the
// other's run, and neither is prefetched (the kernel's own readahead still is). A mount of a live
// process has nothing to prefetch: its reads never enter a page cache.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "base/file_runs.h"
#include "vmcore/extent_table.h"

namespace vmcorefs {

class CorePrefetch {
public:
	// How far ahead of a sequential reader, in the file it reads, the core is asked for.
	static constexpr uint64_t window = uint64_t{16} << 20;

	// `mapping` is the whole core as mapped from `fd`. Pages are dropped behind only if asked
	// and if mincore(2) can tell which were cached before: it tells the page cache's state only
	// to the file's owner (and root); to anyone else, only what is mapped in their own process.
	CorePrefetch(int fd, std::span<const std::byte> mapping, bool drop_behind);
	~CorePrefetch();
	CorePrefetch(const CorePrefetch &) = delete;
	CorePrefetch &operator=(const CorePrefetch &) = delete;

	// After the reply to a READ of [start, end) of `file`, one of the mount's files: plans what
	// to ask for and to drop, which a thread of its own then does. Never fails, never throws:
	// what it cannot do (an old kernel, a core that shrank, no memory) it leaves undone.
	void served(const ExtentTable &file, uint64_t start, uint64_t end) noexcept;

private:
	struct Run {
		uint64_t start, end; // in the core
	};
	struct Asked {
		uint64_t file_end; // the end of the part of the file it was asked for
		Run core;
	};
	// served()'s bookkeeping; whether the thread has work.
	bool plan(const ExtentTable &file, uint64_t start, uint64_t end);
	// Whether the thread has work: runs to ask for or drop, or the mapping's advice to change.
	bool has_work() const;
	// Moves the frontier to `to` (in the file); to_ask_ gets the runs of the core under
	// [from, to) that the page cache lacks.
	void plan_ask(const ExtentTable &file, uint64_t from, uint64_t to);
	// Adds the pages of data [s, e) of the core that the page cache lacks to to_ask_ and, to be
	// dropped once the reader is past file_end, to asked_.
	void plan_data(uint64_t s, uint64_t e, uint64_t file_end);
	// Moves from asked_ to to_drop_ the runs asked for parts of the file before `before`.
	void plan_drop(uint64_t before);
	void work();

	int fd_;
	std::span<const std::byte> mapping_;
	bool drop_behind_;
	bool knows_cached_; // mincore(2) tells us the page cache's state
	uint64_t ask_step_; // the most one WILLNEED reads: the core's device's readahead window
	FileRuns runs_;     // the core's holes, asked under the lock
	std::mutex lock_;
	// The sequential reader followed: its file, where its next READ would start, how far
	// ahead of it the core was asked for.
	const ExtentTable *file_ = nullptr;
	uint64_t expected_ = 0;
	uint64_t frontier_ = 0;
	bool prefetching_ = false;     // the run followed is being asked for ahead
	bool read_around_off_ = false; // the mapping was last told MADV_RANDOM (by the thread)
	std::deque<Asked> asked_; // runs asked ahead that were not cached before, in file order
	std::vector<unsigned char> cached_; // mincore's answer for plan_data's pages
	// The helper thread's work, and its end.
	std::condition_variable wake_;
	std::vector<Run> to_ask_, to_drop_;
	bool stopping_ = false;
	std::thread helper_; // last: it starts with everything above in place
};

} // namespace vmcorefs
