#include "base/file_runs.h"

#include <cerrno>
#include <limits>
#include <unistd.h>

namespace vmcorefs {
namespace {

constexpr uint64_t no_end = std::numeric_limits<uint64_t>::max();

} // namespace

FileRun FileRuns::at(uint64_t offset)
{
	if (data_start_ <= offset && offset < data_end_)
		return {data_end_, false};
	off_t data = lseek(fd_, static_cast<off_t>(offset), SEEK_DATA);
	if (data < 0) {
		bool no_data_after = errno == ENXIO;
		off_t file_end = lseek(fd_, 0, SEEK_END);
		// ENXIO below the end: only hole up to it. Anything else is data (see the header).
		if (no_data_after && file_end >= 0 && offset < static_cast<uint64_t>(file_end))
			return {static_cast<uint64_t>(file_end), true};
		if (!no_data_after) { // a file (a process's memory) that cannot tell: ask no more
			data_start_ = offset;
			data_end_ = no_end;
		}
		return {no_end, false};
	}
	if (static_cast<uint64_t>(data) > offset)
		return {static_cast<uint64_t>(data), true};
	off_t hole = lseek(fd_, static_cast<off_t>(offset), SEEK_HOLE);
	data_start_ = offset;
	// The implicit hole at the end of the file is where reading stops, not zeros: past the
	// end, at() answers "data" anyway, so ending the run there is enough.
	data_end_ = hole < 0 ? no_end : static_cast<uint64_t>(hole);
	return {data_end_, false};
}

} // namespace vmcorefs
