#include "base/private_cache.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmcorefs {
namespace {

// mkdir -p with mode 0700 for what it creates (the XDG base directory specification's mode).
Result<void> make_directories(const std::string &dir)
{
	for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
		std::string part = dir.substr(0, slash);
		if (!part.empty() && mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
			return make_io_error(part, "cannot create the cache directory", errno);
		if (slash == std::string::npos)
			break;
	}
	return {};
}

// Whoever may write into the directory may put anything under an entry's name, so it must be
// the user's and no one else's. Symlinks on the way to it are the user's choice and followed.
Result<void> check_private_directory(const std::string &dir)
{
	struct stat st;
	if (stat(dir.c_str(), &st) != 0)
		return make_io_error(dir, "cannot use as the cache directory", errno);
	if (!S_ISDIR(st.st_mode))
		return make_io_error(dir, "cannot use as the cache directory", ENOTDIR);
	if (st.st_uid != geteuid())
		return make_error(ErrorCode::io, dir,
				  "cannot use as the cache directory: owned by uid " +
					  std::to_string(st.st_uid) + ", not by you (uid " +
					  std::to_string(geteuid()) +
					  "); use a directory of your own as --cache-dir");
	if (st.st_mode & 022)
		return make_error(ErrorCode::io, dir,
				  "cannot use as the cache directory: writable by others (mode " +
					  octal_mode(st.st_mode) +
					  "); chmod go-w it or use another --cache-dir");
	return {};
}

CacheEntry foreign(std::string why, bool removable)
{
	return {CacheEntry::foreign, std::move(why), removable, {}};
}

} // namespace

std::string octal_mode(unsigned mode)
{
	char buf[8];
	std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
	return buf;
}

std::string default_cache_dir(std::string_view kind)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	// The specification says to ignore a relative XDG_CACHE_HOME.
	if (xdg && xdg[0] == '/')
		return std::string(xdg) + "/vmcorefs/" + std::string(kind);
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return std::string(home) + "/.cache/vmcorefs/" + std::string(kind);
	return "";
}

Result<void> make_private_directory(const std::string &dir)
{
	VMCOREFS_TRY(make_directories(dir));
	return check_private_directory(dir);
}

// O_NOFOLLOW refuses a symlink, O_NONBLOCK keeps a FIFO from waiting for a writer. Only a look
// at what cannot be opened, to know whether it may be removed, is by name.
Result<CacheEntry> open_cache_entry(const std::string &path)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
	if (!fd) {
		int error = errno;
		if (error == ENOENT)
			return CacheEntry{};
		struct stat st;
		if (error == ENOMEM || error == EMFILE || error == ENFILE ||
		    lstat(path.c_str(), &st) != 0)
			return make_io_error(path, "cannot open", error);
		if (S_ISLNK(st.st_mode))
			return foreign("a symlink", true);
		if (!S_ISREG(st.st_mode))
			return foreign("not a regular file", false);
		return foreign(std::string("cannot open: ") + strerror(error), true);
	}
	struct stat st;
	if (fstat(fd.get(), &st) != 0)
		return make_io_error(path, "cannot stat", errno);
	if (!S_ISREG(st.st_mode))
		return foreign("not a regular file", false);
	if (st.st_uid != geteuid())
		return foreign("owned by uid " + std::to_string(st.st_uid), true);
	if (st.st_mode & 022)
		return foreign("writable by others, mode " + octal_mode(st.st_mode), true);
	// A second name elsewhere would let whoever holds it change the entry.
	if (st.st_nlink != 1)
		return foreign(std::to_string(st.st_nlink) + " links", true);
	return CacheEntry{CacheEntry::ours, "", false, std::move(fd)};
}

} // namespace vmcorefs
