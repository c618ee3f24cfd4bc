// Opening a file that vmcorefs is about to read: the core, a --compare reference, QEMU's
// executable and debug info, whatever path a core names. Any of them may be a FIFO or a device by
// mistake or by malice, and a plain open(2) of a FIFO blocks until a writer comes. So files are
// opened non-blocking and refused unless they are regular files, before a byte is read.
#pragma once

#include <string>

#include "base/error.h"
#include "base/unique_fd.h"

namespace vmcorefs {

// Errors: io ("cannot open: …", "cannot stat: …"), unsupported ("not a regular file").
Result<UniqueFd> open_regular_file(const std::string &path);

} // namespace vmcorefs
