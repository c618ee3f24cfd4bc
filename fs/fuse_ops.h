// The FUSE low-level callbacks of a mount: thin translations of (inode, offset, size) into
// lookups in the FileTree and replies that point into the core's mapping. Nothing here blocks on
// a lock or allocates per byte; errors cross into FUSE only as errno.
#pragma once

#include <atomic>
#include <sys/stat.h>

#include "file_tree.h"
#include "mapped_file.h"

struct fuse_lowlevel_ops;

namespace vmcorefs {

// The session's userdata: what every callback serves.
struct ServeContext {
	const FileTree *tree = nullptr;
	const MappedFile *core = nullptr;
	struct stat core_stat = {}; // owner and times shown for every file
	std::atomic<bool> reported_shrink = false;
};

const fuse_lowlevel_ops &fuse_operations();

} // namespace vmcorefs
