#include "mountpoint_check.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>

namespace vmcorefs {
namespace {

// The path as a shell word, quoted only when it needs to be.
std::string shell_word(const std::string &s)
{
	bool plain = !s.empty() &&
		     s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
					 "qrstuvwxyz0123456789_./+,:@%=-") == std::string::npos;
	if (plain)
		return s;
	std::string out = "'";
	for (char c : s)
		out += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return out + "'";
}

} // namespace

Result<void> check_mountpoint(const std::string &mountpoint)
{
	// FORCE_SYNC: the kernel answers stat from attributes it cached while the daemon lived
	// (vmcorefs asks for long timeouts); only a request that reaches the daemon fails.
	struct statx st;
	if (statx(AT_FDCWD, mountpoint.c_str(), AT_STATX_FORCE_SYNC, STATX_TYPE, &st) == 0) {
		if (!S_ISDIR(st.stx_mode))
			return make_io_error(mountpoint, "cannot mount here", ENOTDIR);
		return {};
	}
	if (errno == ENOTCONN)
		return make_error(ErrorCode::io, mountpoint,
				  "the file system mounted here has lost its daemon (Transport "
				  "endpoint is not connected); clear it with: fusermount3 -u " +
					  shell_word(mountpoint));
	return make_io_error(mountpoint, "cannot mount here", errno);
}

} // namespace vmcorefs
