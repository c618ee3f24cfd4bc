#include "base/regular_file.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>

namespace vmcorefs {

Result<UniqueFd> open_regular_file(const std::string &path)
{
	// O_NONBLOCK: a FIFO opens at once instead of waiting for a writer; for a regular file it
	// changes nothing. O_NOCTTY: a terminal never becomes our controlling one.
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
	if (!fd)
		return make_io_error(path, "cannot open", errno);
	struct stat st;
	if (fstat(fd.get(), &st) != 0)
		return make_io_error(path, "cannot stat", errno);
	if (!S_ISREG(st.st_mode))
		return make_error(ErrorCode::unsupported, path, "not a regular file");
	return fd;
}

} // namespace vmcorefs
