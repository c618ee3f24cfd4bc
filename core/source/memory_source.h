// MemorySource: where the bytes of QEMU's memory come from, for everything that reads, serves or
// copies them (ProcessCore, the mount, --extract, --compare). Two kinds, told apart nowhere else:
// a core file (MappedFile), addressed by file offset, and a live process (ProcessMemory, its
// /proc/PID/mem), addressed by virtual address. Nothing here says which; each answers every
// question, some with "nothing" (a process has no mapping to point replies into and no holes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <sys/stat.h>

#include "base/error.h"

namespace vmcorefs {

class MemorySource {
public:
	virtual ~MemorySource() = default;

	// What errors and log lines name: the core's path, or "process PID".
	virtual const std::string &path() const = 0;
	// For lseek(SEEK_DATA, SEEK_HOLE) and copy_file_range. A process's memory answers neither;
	// their callers then take every byte as data and copy by hand.
	virtual int fd() const = 0;
	// Offsets at or past this are never read (a core's size at open; no limit for a process).
	virtual uint64_t size() const = 0;
	// Owner and mode of what was opened: the mount's files take them.
	virtual const struct stat &opened() const = 0;
	// The bytes mapped in memory, for replies that point into them; empty for a process.
	virtual std::span<const std::byte> bytes() const = 0;
	// Whether the bytes go on changing (a process that runs): nothing may keep a copy of them,
	// the page cache included.
	virtual bool changing() const = 0;

	// Copies the length bytes at offset. Errors: changed (a core that shrank, a process that
	// exited), absent (memory a process no longer maps), io.
	virtual Result<void> read(uint64_t offset, void *dst, size_t length) const = 0;
	// Error changed once what was opened can no longer give the bytes it gave: a core
	// rewritten, truncated or extended, a process that exited.
	virtual Result<void> check_unchanged() const = 0;
};

} // namespace vmcorefs
