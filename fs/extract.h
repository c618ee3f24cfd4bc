// Writing a served file out to a real one (vmcorefs --extract).
#pragma once

#include <string>

#include "base/error.h"
#include "source/memory_source.h"
#include "vmcore/extent_table.h"

namespace vmcorefs {

// Writes the bytes of table to path (a symbolic link is written through), as sparse as the core:
// the core's holes stay holes. The bytes go into a new file (mode 0600) in path's directory that
// replaces path only once it is complete: whatever path was before survives any failure. A
// progress line goes to stderr when it is a terminal. Errors: those of check_output_target,
// changed when the core shrank or changed meanwhile, absent for an absent extent, io.
Result<void> extract_file(const ExtentTable &table, const MemorySource &core,
			  const std::string &path);

} // namespace vmcorefs
