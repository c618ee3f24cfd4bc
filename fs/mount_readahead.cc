#include "mount_readahead.h"

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "base/unique_fd.h"

namespace vmcorefs {
namespace {

// A mountinfo path field: spaces, tabs, newlines and backslashes are written as \ooo.
std::string unescape_octal(const std::string &field)
{
	auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
	std::string out;
	for (size_t i = 0; i < field.size(); ++i) {
		if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
		    is_octal(field[i + 2]) && is_octal(field[i + 3])) {
			out += static_cast<char>((field[i + 1] - '0') * 64 +
						 (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
			i += 3;
		} else {
			out += field[i];
		}
	}
	return out;
}

// The MAJOR:MINOR of the vmcorefs mount at `mountpoint`, or "" if there is none. The last match
// wins: a mount over another at the same place is listed after it.
std::string mount_device(const std::string &mountpoint)
{
	std::ifstream mountinfo("/proc/self/mountinfo");
	std::string line, device;
	while (std::getline(mountinfo, line)) {
		// ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
		std::istringstream fields(line);
		std::string id, parent, dev, root, point;
		fields >> id >> parent >> dev >> root >> point;
		size_t separator = line.find(" - ");
		if (separator == std::string::npos)
			continue;
		std::istringstream tail(line.substr(separator + 3));
		std::string fstype;
		tail >> fstype;
		if (fstype == "fuse.vmcorefs" && unescape_octal(point) == mountpoint)
			device = dev;
	}
	return device;
}

} // namespace

Result<void> raise_mount_readahead(const std::string &mountpoint, unsigned kib)
{
	std::string device = mount_device(mountpoint);
	if (device.empty())
		return make_error(
			ErrorCode::io, mountpoint,
			"cannot set the readahead: the mount is not in /proc/self/mountinfo");
	std::string path = "/sys/class/bdi/" + device + "/read_ahead_kb";
	unsigned current = 0;
	if (!(std::ifstream(path) >> current))
		return make_error(ErrorCode::io, mountpoint, "cannot read " + path);
	if (current >= kib) // INIT's answer lowers it
		return {};
	std::string value = std::to_string(kib) + "\n";
	UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
	bool written = fd && ::write(fd.get(), value.data(), value.size()) ==
				     static_cast<ssize_t>(value.size());
	if (!written)
		return make_io_error(mountpoint,
				     "cannot raise the readahead above " + std::to_string(current) +
					     " KiB in " + path,
				     errno);
	return {};
}

} // namespace vmcorefs
