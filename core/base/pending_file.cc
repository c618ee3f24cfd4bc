#include "base/pending_file.h"

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>
#include <utility>

namespace vmcorefs {
namespace {

// Of the final name, what goes into a temporary one: leaves room for the dot and the random part
// within NAME_MAX (255) however long the final name is.
constexpr size_t name_part_max = 200;

// "DIR/.NAME.": what every temporary name starts with, hidden from ls.
std::string temp_prefix(const std::string &dir, const std::string &name)
{
	return dir + "/." + name.substr(0, name_part_max) + ".";
}

// 16 hex digits that another process cannot guess, so it cannot take the name first. Should
// getrandom fail (a seccomp filter), a guessable name still works: linkat never reuses one.
std::string random_suffix()
{
	uint64_t bits = 0;
	if (getrandom(&bits, sizeof bits, GRND_NONBLOCK) != sizeof bits) {
		static std::atomic<uint64_t> counter = 0;
		bits = (uint64_t(getpid()) << 32) ^ uint64_t(time(nullptr)) ^ (++counter << 48);
	}
	char buf[17];
	std::snprintf(buf, sizeof buf, "%016" PRIx64, bits);
	return buf;
}

// Gives the open file fd the name path; 0 or an errno value. Through /proc/self/fd, which needs no
// privilege; without /proc, AT_EMPTY_PATH, which needs CAP_DAC_READ_SEARCH.
int link_fd(int fd, const std::string &path)
{
	std::string self = "/proc/self/fd/" + std::to_string(fd);
	if (linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno == ENOENT && linkat(fd, "", AT_FDCWD, path.c_str(), AT_EMPTY_PATH) == 0)
		return 0;
	return errno;
}

// Names an unnamed file path; 0 or an errno value.
int name_unnamed(int fd, const std::string &dir, const std::string &name, const std::string &path,
		 PendingFile::Existing existing)
{
	if (existing == PendingFile::Existing::keep) {
		int error = link_fd(fd, path);
		return error == EEXIST ? 0 : error;
	}
	// linkat never replaces a name: link under a fresh temporary name, rename that over path.
	std::string temp;
	int error = EEXIST;
	for (int tries = 0; tries < 100 && error == EEXIST; tries++) {
		temp = temp_prefix(dir, name) + random_suffix();
		error = link_fd(fd, temp);
	}
	if (error != 0)
		return error;
	if (rename(temp.c_str(), path.c_str()) != 0) {
		error = errno;
		unlink(temp.c_str());
	}
	return error;
}

// Moves the file from its temporary name temp to path; 0 or an errno value. On success temp is
// gone, on failure it is still there.
int name_temporary(const std::string &temp, const std::string &path, PendingFile::Existing existing)
{
	if (existing == PendingFile::Existing::replace)
		return rename(temp.c_str(), path.c_str()) == 0 ? 0 : errno;
	if (renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0)
		return 0;
	int error = errno;
	// NFS has no RENAME_NOREPLACE; link(2) refuses an existing name too.
	if (error == EINVAL || error == ENOSYS)
		error = link(temp.c_str(), path.c_str()) == 0 ? 0 : errno;
	if (error != 0 && error != EEXIST)
		return error;
	unlink(temp.c_str());
	return 0;
}

} // namespace

Result<PendingFile> PendingFile::create(const std::string &dir, const std::string &name)
{
	int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return PendingFile(UniqueFd(fd), dir, name, "");
	// EOPNOTSUPP: this file system cannot; EISDIR, EINVAL: a kernel without O_TMPFILE.
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return make_io_error(dir, "cannot create a file in this directory", errno);
	std::string temp = temp_prefix(dir, name) + "XXXXXX";
	fd = mkostemp(temp.data(), O_CLOEXEC); // O_EXCL, mode 0600
	if (fd < 0)
		return make_io_error(dir, "cannot create a file in this directory", errno);
	return PendingFile(UniqueFd(fd), dir, name, temp);
}

PendingFile::PendingFile(PendingFile &&other) noexcept
	: fd_(std::move(other.fd_)), dir_(std::move(other.dir_)), name_(std::move(other.name_)),
	  temp_(std::exchange(other.temp_, ""))
{
}

PendingFile::~PendingFile()
{
	if (!temp_.empty())
		unlink(temp_.c_str());
}

Result<void> PendingFile::write(std::string_view bytes, const std::string &path)
{
	for (size_t done = 0; done < bytes.size();) {
		ssize_t n = ::write(fd_.get(), bytes.data() + done, bytes.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return make_io_error(path, "cannot write", errno);
		done += size_t(n);
	}
	return {};
}

Result<void> PendingFile::commit(const std::string &path, Existing existing)
{
	// On disk before it has the name: after a crash the name must not lead to missing data.
	if (fdatasync(fd_.get()) != 0)
		return make_io_error(path, "cannot write", errno);
	int error = 0;
	if (temp_.empty()) {
		error = name_unnamed(fd_.get(), dir_, name_, path, existing);
	} else {
		error = name_temporary(temp_, path, existing);
		if (error == 0)
			temp_.clear();
	}
	if (error != 0)
		return make_io_error(path, "cannot create", error);
	return {};
}

} // namespace vmcorefs
