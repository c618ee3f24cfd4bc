// The FUSE low-level callbacks of a mount: thin translations of (inode, offset, size) into
// lookups in the FileTree and replies that point into the core's mapping. Nothing here allocates
// per byte or blocks on a lock, but for the prefetcher's, which is held for bookkeeping only and
// after the reply; errors cross into FUSE only as errno, exceptions never.
#pragma once

#include <atomic>
#include <sys/stat.h>

#include "file_tree.h"
#include "source/memory_source.h"

struct fuse_lowlevel_ops;

namespace vmcorefs {

class CorePrefetch;

// The session's userdata: what every callback serves.
struct ServeContext {
	const FileTree *tree = nullptr;
	const MemorySource *core = nullptr;
	// Permission bits of every file (directories add x where they have r), the core's read
	// bits unless the user asked for more; owner and times are the core's.
	mode_t file_mode = 0444;
	unsigned max_read = 0;            // -o max_read, which init() must repeat; 0: none given
	unsigned max_readahead = 0;       // bytes, init()'s answer (mount_readahead.h)
	CorePrefetch *prefetch = nullptr; // for a core; none for a live process
	// Set, for good, by the first request that finds the core changed since it was mounted.
	std::atomic<bool> core_changed = false;
};

const fuse_lowlevel_ops &fuse_operations();

} // namespace vmcorefs
