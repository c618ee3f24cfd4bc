// How far the kernel reads ahead in a mount's files. A sequential reader of guest.vmcore (cp,
// makedumpfile, --compare of a copy) gets READs as large as the mount's readahead window, and a
// FUSE round trip per READ: with 1 MiB READs a first read of guest.vmcore ran 1.44 times as fast
// as with 128 KiB ones, the kernel's default, and random reads were no slower
// (bench/RESULTS.md). The window is the smaller of two values: the mount's backing device info
// (/sys/class/bdi/MAJOR:MINOR/read_ahead_kb, which only root may raise) and the max_readahead the
// daemon answers INIT with. The bdi is set here, after mounting and before serving, so that the
// INIT answer, which the kernel applies when the daemon sends it, comes after.
#pragma once

#include <string>

#include "base/error.h"

namespace vmcorefs {

// vmcorefs's window when the user chooses none.
constexpr unsigned default_readahead_kib = 1024;
// The largest window --readahead takes: 64 MiB, far above what helps (READs stop at 1 MiB).
constexpr unsigned max_readahead_kib = 65536;

// Raises read_ahead_kb of the FUSE mount of vmcorefs at `mountpoint` (absolute, as in
// /proc/self/mountinfo) to `kib` if it is lower; a higher value is left for INIT's answer to
// lower. Errors (io) name the mount point: it is not in mountinfo, or the bdi file cannot be read
// or written (only root may write it).
Result<void> raise_mount_readahead(const std::string &mountpoint, unsigned kib);

} // namespace vmcorefs
