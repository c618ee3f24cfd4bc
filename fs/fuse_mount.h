// FuseMount: one FUSE session serving a FileTree at a mount point, from mount to unmount (RAII).
// Mounting and serving are separate steps so that the caller can act in between, once the mount
// is usable: detach from the terminal (vmcorefs) or tell a waiting test that it may start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "file_tree.h"
#include "fuse_ops.h"
#include "mount_readahead.h"
#include "source/memory_source.h"

struct fuse_session;

namespace vmcorefs {

class CorePrefetch;

struct MountSettings {
	std::string mountpoint;
	std::vector<std::string> fuse_options; // -o values from the user, e.g. "allow_other"
	bool debug = false;                    // libfuse's request trace on stderr
	bool world_readable = false; // --world-readable: files 0444 whatever the core's mode
	unsigned readahead_kib = default_readahead_kib; // --readahead (mount_readahead.h)
	bool readahead_given = false; // the user chose it: say so when it cannot be set
	bool keep_core_cache = false; // --keep-core-cache: no dropping behind (core_prefetch.h)
};

class FuseMount {
public:
	// Mounts read-only ("ro,default_permissions,fsname=vmcorefs,subtype=vmcorefs" plus the
	// user's options). Files have the core's owner and read permissions, which the kernel
	// enforces (default_permissions): whoever cannot read the core cannot read the guest's
	// memory through the mount either. -o allow_other on a core only its owner may read is
	// refused (usage) unless settings.world_readable. tree and core must outlive the FuseMount.
	// SIGINT, SIGTERM and SIGHUP end serve() from here on (until destruction), not the process.
	static Result<std::unique_ptr<FuseMount>>
	mount(const FileTree &tree, const MemorySource &core, const MountSettings &settings);
	~FuseMount();
	FuseMount(const FuseMount &) = delete;
	FuseMount &operator=(const FuseMount &) = delete;

	// Serves with worker threads until the file system is unmounted or SIGINT, SIGTERM or
	// SIGHUP arrives.
	Result<void> serve();

private:
	FuseMount() = default;

	ServeContext context_;
	std::unique_ptr<CorePrefetch> prefetch_;
	fuse_session *session_ = nullptr;
	bool signal_handlers_ = false; // libfuse's SIGINT, SIGTERM and SIGHUP handlers are ours
	std::string mountpoint_;
};

} // namespace vmcorefs
