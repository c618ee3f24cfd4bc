// Checking a mount point before the (possibly long) work of loading a core, so that a mount point
// that cannot be used is reported at once and with what to do about it.
#pragma once

#include <string>

#include "base/error.h"

namespace vmcorefs {

// Errors (io): the mount point is the leftover of a FUSE mount whose daemon died ("Transport
// endpoint is not connected"; the message gives the fusermount3 command that clears it), does not
// exist, is not a directory or cannot be looked at.
Result<void> check_mountpoint(const std::string &mountpoint);

} // namespace vmcorefs
