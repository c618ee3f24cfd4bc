#include "core_prefetch.h"

#include <algorithm>
#include <exception>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace vmcorefs {
namespace {

// READs of a sequential reader arrive out of order: the kernel keeps several in flight (its
// readahead window, 1 MiB by default, and the next) and the worker threads answer them in any
// order. What the core has behind the newest READ is dropped only `slack` behind it.
constexpr uint64_t slack = uint64_t{8} << 20;
// One READ may come far later than those after it: a worker waiting for the disk while the others
// answered the holes of a sparse core was seen 13 MiB behind. Up to this far behind, a READ is
// taken for a late one of the run followed (which ending the run would cost the pages asked ahead
// of it), not for a reader jumping back.
constexpr uint64_t late = uint64_t{64} << 20;

// What one WILLNEED may ask for and be sure to get: the kernel reads at most the device's
// readahead window (read_ahead_kb) or its largest request per call, and leaves the rest of the
// range unread. Smaller steps would make smaller requests than the kernel's own readahead.
uint64_t ask_step(int fd)
{
	constexpr uint64_t kernel_default = uint64_t{128} << 10;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return kernel_default;
	std::string device = "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
			     std::to_string(minor(st.st_dev));
	// A partition's queue is its disk's.
	for (const char *queue : {"/queue/read_ahead_kb", "/../queue/read_ahead_kb"}) {
		std::ifstream in(device + queue);
		uint64_t kib = 0;
		if (in >> kib && kib > 0)
			return std::clamp(kib << 10, kernel_default, CorePrefetch::window / 2);
	}
	return kernel_default; // no block device of its own (tmpfs, a network file system)
}

uint64_t page_size()
{
	static const uint64_t size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
	return size;
}

bool sees_page_cache(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && (geteuid() == 0 || st.st_uid == geteuid());
}

} // namespace

CorePrefetch::CorePrefetch(int fd, std::span<const std::byte> mapping, bool drop_behind)
	: fd_(fd), mapping_(mapping), drop_behind_(drop_behind), knows_cached_(sees_page_cache(fd)),
	  ask_step_(ask_step(fd)), runs_(fd), helper_([this] { work(); })
{
}

CorePrefetch::~CorePrefetch()
{
	{
		std::lock_guard hold(lock_);
		// An unmount leaves nothing of the core cached that it brought in, but for pages
		// still being read (the kernel does not drop a page under I/O); what was planned
		// but not yet asked for is not asked for at all.
		to_ask_.clear();
		try {
			plan_drop(UINT64_MAX);
		} catch (const std::exception &) { // no memory for the list: those pages stay
		}
		stopping_ = true;
	}
	wake_.notify_one();
	helper_.join();
}

void CorePrefetch::served(const ExtentTable &file, uint64_t start, uint64_t end) noexcept
{
	// Called after the READ's reply, so it must not throw: an allocation that fails only
	// ends the run followed (what was asked for it is dropped at unmount).
	try {
		if (plan(file, start, end))
			wake_.notify_one();
	} catch (const std::exception &) {
		std::lock_guard hold(lock_);
		file_ = nullptr;
	}
}

bool CorePrefetch::plan(const ExtentTable &file, uint64_t start, uint64_t end)
{
	std::lock_guard hold(lock_);
	bool same_file = &file == file_;
	bool next = same_file && start + slack >= expected_ && start <= expected_ + slack;
	bool late_one = same_file && start < expected_ && start + late >= expected_;
	if (next) {
		expected_ = std::max(expected_, end);
		if (frontier_ < end + window / 2) {
			plan_ask(file, std::max(frontier_, end), end + window);
			prefetching_ = true;
		}
		if (start > slack)
			plan_drop(start - slack);
	} else if (!late_one) {
		// Another reader, or this one jumping: follow it from here, afresh. What was asked
		// for the run that ended is dropped, served or not: it was not cached before.
		file_ = &file;
		expected_ = end;
		frontier_ = end;
		prefetching_ = false;
		plan_drop(UINT64_MAX);
	} // else a late READ of the run: what it needed was planned with the READs around it
	return has_work();
}

bool CorePrefetch::has_work() const
{
	return !to_ask_.empty() || !to_drop_.empty() || prefetching_ != read_around_off_;
}

// The helper thread: the system calls wait for the disk and take the time of removing pages
// from the page cache, which the workers answering READs must not spend.
void CorePrefetch::work()
{
	std::vector<Run> ask, drop;
	for (;;) {
		std::optional<int> advice;
		{
			std::unique_lock hold(lock_);
			wake_.wait(hold, [this] { return stopping_ || has_work(); });
			// What was planned is done before the end: an unmount right after a
			// whole-file read still drops what the read brought in.
			if (stopping_ && to_ask_.empty() && to_drop_.empty())
				return;
			ask.swap(to_ask_);
			drop.swap(to_drop_);
			if (prefetching_ != read_around_off_) {
				read_around_off_ = prefetching_;
				advice = prefetching_ ? MADV_RANDOM : MADV_NORMAL;
			}
		}
		// Told before asking, so that the reader's faults on what is still to come read
		// only their own page. A flag of the mapping: no page is read or dropped.
		if (advice)
			madvise(const_cast<std::byte *>(mapping_.data()), mapping_.size(), *advice);
		for (const Run &run : ask)
			for (uint64_t at = run.start; at < run.end; at += ask_step_)
				posix_fadvise(fd_, static_cast<off_t>(at),
					      static_cast<off_t>(std::min(ask_step_, run.end - at)),
					      POSIX_FADV_WILLNEED);
		for (const Run &run : drop) {
			// Unmapped from the daemon first: the page cache keeps a page that a
			// process maps.
			madvise(const_cast<std::byte *>(mapping_.data() + run.start),
				run.end - run.start, MADV_DONTNEED);
			posix_fadvise(fd_, static_cast<off_t>(run.start),
				      static_cast<off_t>(run.end - run.start), POSIX_FADV_DONTNEED);
		}
		ask.clear();
		drop.clear();
	}
}

void CorePrefetch::plan_ask(const ExtentTable &file, uint64_t from, uint64_t to)
{
	frontier_ = to;
	uint64_t page = page_size();
	file.for_each_piece(from, to - from, [&](const Extent &piece) {
		if (piece.source != Extent::Source::core)
			return true;
		uint64_t s = piece.source_offset / page * page;
		uint64_t e =
			std::min<uint64_t>(piece.source_offset + piece.length, mapping_.size());
		// The core's holes are served as zeros, never read: asking for them would fill the
		// page cache with pages of zeros.
		while (s < e) {
			FileRun run = runs_.at(s);
			uint64_t next = std::min(e, (run.end + page - 1) / page * page);
			if (!run.hole)
				plan_data(s, next, piece.offset + piece.length);
			s = next;
		}
		return true;
	});
}

void CorePrefetch::plan_data(uint64_t s, uint64_t e, uint64_t file_end)
{
	// Only what the page cache lacks is asked for (asking for cached pages costs a system call
	// for nothing), and that is what may be dropped once served.
	uint64_t page = page_size();
	cached_.assign((e - s + page - 1) / page, 0);
	if (!knows_cached_ ||
	    mincore(const_cast<std::byte *>(mapping_.data() + s), e - s, cached_.data()) != 0) {
		to_ask_.push_back({s, e});
		return;
	}
	for (size_t i = 0; i < cached_.size(); i++) {
		if (cached_[i] & 1)
			continue;
		Run run{s + i * page, std::min(s + (i + 1) * page, e)};
		if (!to_ask_.empty() && to_ask_.back().end == run.start)
			to_ask_.back().end = run.end;
		else
			to_ask_.push_back(run);
		if (!drop_behind_)
			continue;
		// One run per piece asked: each is dropped once the reader is past that piece.
		if (!asked_.empty() && asked_.back().file_end == file_end &&
		    asked_.back().core.end == run.start)
			asked_.back().core.end = run.end;
		else
			asked_.push_back({file_end, run});
	}
}

void CorePrefetch::plan_drop(uint64_t before)
{
	while (!asked_.empty() && asked_.front().file_end <= before) {
		to_drop_.push_back(asked_.front().core);
		asked_.pop_front();
	}
}

} // namespace vmcorefs
