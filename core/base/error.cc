#include "base/error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/text_escape.h"

namespace vmcorefs {

// The file and message can quote the core (an idstr, a type name, the executable's path from the
// NT_FILE note) and the line goes to a terminal or syslog.
std::string Error::to_string() const
{
	return file.empty() ? printable(message) : printable(file) + ": " + printable(message);
}

int Error::to_errno() const
{
	switch (code) {
	case ErrorCode::io: return errno_value ? errno_value : EIO;
	case ErrorCode::usage: return EINVAL;
	case ErrorCode::absent: return EIO;
	default: return EIO;
	}
}

Error make_error(ErrorCode code, std::string file, std::string message, std::optional<uint64_t> at)
{
	return Error{code, std::move(file), std::move(message), at, 0};
}

Error make_io_error(std::string file, const std::string &what, int errno_value)
{
	Error e{ErrorCode::io, std::move(file), what + ": " + std::strerror(errno_value),
		std::nullopt, errno_value};
	return e;
}

std::string hex(uint64_t value)
{
	char buf[2 + 16 + 1];
	std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
	return buf;
}

} // namespace vmcorefs
