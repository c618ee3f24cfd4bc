// Writing a served file out to a real one (vmcorefs --extract).
#pragma once

#include <string>

#include "error.h"
#include "extent_table.h"
#include "mapped_file.h"

namespace vmcorefs {

// Writes the bytes of table to path (created, or truncated; mode 0600), as sparse as the core:
// the core's holes stay holes. A progress line goes to stderr when it is a terminal. Errors:
// truncated when the core is shorter than its mapping (a short read, with the offset), absent
// for an absent extent, io. A failed extraction removes path.
Result<void> extract_file(const ExtentTable &table, const MappedFile &core,
			  const std::string &path);

} // namespace vmcorefs
