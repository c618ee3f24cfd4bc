// What a sequential reader of the mount (cp, makedumpfile, dd, --compare of a copy) costs the page
// cache and the disk. Such a reader walks a file front to back, and so the core.
// - Ahead: the core's bytes of the next part of the file are asked of the disk
//   (POSIX_FADV_WILLNEED) once a READ is answered, so that the disk works while the reader and the
//   kernel's next READs are on their way.
// - Behind (unless the user keeps the core's cache): pages of the core that were asked ahead are
//   dropped from the page cache once served. Their bytes are cached in the mount's own file by
//   then; keeping both would hold a whole-file read in memory twice. Pages that were cached before
//   vmcorefs asked for them (someone else reads the core) are left alone.
// One sequential reader is followed at a time: while two read the mount at once, each READ of one
// breaks the other's run, and neither is prefetched (the kernel's own readahead still is).
// A mount of a live process has nothing to prefetch: its reads never enter a page cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
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

	// After the reply to a READ of [start, end) of `file`, one of the mount's files. Never
	// fails: what it cannot do (an old kernel, a core that shrank) it leaves undone.
	void served(const ExtentTable &file, uint64_t start, uint64_t end);

private:
	struct Run {
		uint64_t start, end; // in the core
	};
	struct Asked {
		uint64_t file_end; // the end of the part of the file it was asked for
		Run core;
	};
	// Moves the frontier to `to` (in the file); `ask` gets the runs of the core under
	// [from, to) that the page cache lacks.
	void plan_ask(const ExtentTable &file, uint64_t from, uint64_t to, std::vector<Run> &ask);
	// Adds the pages of data [s, e) of the core that the page cache lacks to `ask` and, to be
	// dropped once the reader is past file_end, to asked_.
	void plan_data(uint64_t s, uint64_t e, uint64_t file_end, std::vector<Run> &ask);
	// Takes from asked_ the runs to drop: those asked for parts of the file before `before`.
	void plan_drop(uint64_t before, std::vector<Run> &drop);

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
	std::deque<Asked> asked_; // runs asked ahead that were not cached before, in file order
};

} // namespace vmcorefs
