// The cache of decompressed cores. A compressed core is decompressed once into the cache
// directory; the next mount, --info or --extract of the same unchanged file maps that copy
// without decompressing again.
//
// An entry is named after the compressed file's identity: its absolute path, device, inode, size
// and modification time (to the nanosecond), hashed. That costs one stat, where a content hash
// would read the whole compressed file (seconds per GiB) and a hash of its first bytes could not
// tell apart two cores of the same QEMU whose compressed headers agree. A file replaced or
// rewritten gets a new inode or mtime, so a new entry; only a rewrite in place that restores
// size and mtime to the nanosecond would be missed. Entries of earlier versions of the same path
// are removed when a new one is written.
//
// The copy gets its name only once complete and on disk (PendingFile), so a failure, Ctrl-C or
// even SIGKILL leaves no partial entry. Entries and the directory are private to the user (0600,
// 0700): a core holds all the guest's memory.
//
// Nothing found in the cache is trusted for being there under the right name (private_cache.h);
// an entry is used only if it passes those checks and (where the file system has user extended
// attributes) carries the source identity it was made from in user.vmcorefs.source. Anything
// else is left unused, removed if it is a file or symlink, and the core decompressed again.
// The default directory is default_cache_dir("cores").
#pragma once

#include <string>

#include "base/error.h"
#include "source/core_decompressor.h"

namespace vmcorefs {

struct CachedCore {
	std::string path;    // the decompressed core
	bool reused = false; // found in the cache, not decompressed now
	std::string warning; // one line for the user ("FILE: MESSAGE"); empty when all went well
};

// The decompressed copy of source (compressed in format) in cache_dir (created if missing),
// decompressing it unless an entry for the unchanged file exists. An entry that is there but not
// vmcorefs's own is replaced, and warning says so. Errors: those of decompress_to_sparse_file,
// and io naming cache_dir when it cannot be created or written, is not the user's own or is
// writable by others.
Result<CachedCore> decompressed_core(const std::string &source, Compression format,
				     const std::string &cache_dir,
				     const DecompressProgress &progress);

} // namespace vmcorefs
