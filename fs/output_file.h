// The files vmcorefs writes on request (--extract, --write-profile): a new file, or a regular file
// replaced whole, never a device, a FIFO, standard output or one of the run's inputs. What was at
// the path before survives any failure: the new content goes into a file of its own beside it
// (core/base/pending_file.h) that takes the name only once complete.
#pragma once

#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

#include "base/error.h"

namespace vmcorefs {

struct OutputTarget {
	std::string path;      // absolute, without links: path, or the file a link at path names
	std::string directory; // where the new file is made
	std::string name;      // its base name
};

// Where option's output for path goes (a symbolic link is written through, as cp does, so that the
// link stays); inputs: the files of the run (same device and inode: refused). Errors: usage naming
// path for standard output ("-"), something that exists and is not a regular file, an input; io
// when path's directory cannot be resolved.
Result<OutputTarget> output_destination(const std::string &path,
					const std::vector<struct stat> &inputs,
					std::string_view option);

// output_destination's refusals, before any work is done, with the inputs by name.
Result<void> check_output_target(const std::string &path, const std::vector<std::string> &inputs,
				 std::string_view option);

// text written to path as output_destination says, whole or not at all (mode 0600).
Result<void> write_output_file(const std::string &path, const std::string &text,
			       const std::vector<std::string> &inputs, std::string_view option);

} // namespace vmcorefs
