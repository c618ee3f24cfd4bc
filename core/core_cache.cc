#include "core_cache.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <xxhash.h>

#include "unique_fd.h"

namespace vmcorefs {
namespace {

// Bumped when the cache's contents would change for the same input (none so far).
constexpr char cache_version[] = "vmcorefs-core-cache-1";
constexpr size_t readable_name_max = 80;

std::string hex_digits(uint64_t value, int digits)
{
	char buf[17];
	std::snprintf(buf, sizeof buf, "%016" PRIx64, value);
	return std::string(buf + 16 - digits);
}

// The source's base name, for people who look into the cache: "/var/crash/core.qemu.zst" ->
// "core.qemu.zst"; anything but letters, digits, '.', '_' and '-' becomes '_'.
std::string readable_name(const std::string &path)
{
	std::string base = path.substr(path.rfind('/') + 1);
	if (base.size() > readable_name_max)
		base.resize(readable_name_max);
	for (char &c : base)
		if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
			c = '_';
	return base.empty() || base[0] == '.' ? "_" + base : base;
}

// An entry's name: "<base>.<path hash>.<identity hash>.core". All entries for one source path
// share the part up to the identity hash (prefix).
struct EntryName {
	std::string prefix;
	std::string name;
};

Result<EntryName> entry_name(const std::string &source)
{
	char *real = realpath(source.c_str(), nullptr);
	if (!real)
		return make_io_error(source, "cannot open", errno);
	std::string path = real;
	std::free(real);
	struct stat st;
	if (stat(path.c_str(), &st) != 0)
		return make_io_error(source, "cannot stat", errno);
	char identity[160];
	std::snprintf(identity, sizeof identity, "%s\n%ju %ju %jd %jd.%09ld\n", cache_version,
		      uintmax_t(st.st_dev), uintmax_t(st.st_ino), intmax_t(st.st_size),
		      intmax_t(st.st_mtim.tv_sec), st.st_mtim.tv_nsec);
	std::string key = path + '\n' + identity;
	std::string prefix = readable_name(path) + "." +
			     hex_digits(XXH3_64bits(path.data(), path.size()), 8) + ".";
	return EntryName{prefix, prefix + hex_digits(XXH3_64bits(key.data(), key.size()), 16) +
					 ".core"};
}

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
	struct stat st;
	if (stat(dir.c_str(), &st) != 0)
		return make_io_error(dir, "cannot use as the cache directory", errno);
	if (!S_ISDIR(st.st_mode))
		return make_io_error(dir, "cannot use as the cache directory", ENOTDIR);
	return {};
}

// The file being written: unnamed (O_TMPFILE) where the file system allows, else under a
// temporary name that is removed unless commit() renames it.
class PendingEntry {
public:
	static Result<PendingEntry> create(const std::string &dir, const std::string &name)
	{
		int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			return PendingEntry(UniqueFd(fd), "");
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return make_io_error(dir, "cannot write into the cache directory", errno);
		std::string temp = dir + "/." + name + ".tmp." + std::to_string(getpid());
		fd = ::open(temp.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0)
			return make_io_error(temp, "cannot create", errno);
		return PendingEntry(UniqueFd(fd), temp);
	}

	PendingEntry(PendingEntry &&other) noexcept
		: fd_(std::move(other.fd_)), temp_(std::exchange(other.temp_, ""))
	{
	}
	PendingEntry &operator=(PendingEntry &&) = delete;
	~PendingEntry()
	{
		if (!temp_.empty())
			::unlink(temp_.c_str());
	}

	int fd() const { return fd_.get(); }

	// Puts the complete file on disk, then under its name. An entry that appeared meanwhile
	// (another vmcorefs decompressing the same file) is as good as ours.
	Result<void> commit(const std::string &path)
	{
		if (fdatasync(fd_.get()) != 0)
			return make_io_error(path, "cannot write", errno);
		if (!temp_.empty()) {
			if (rename(temp_.c_str(), path.c_str()) != 0)
				return make_io_error(path, "cannot create", errno);
			temp_.clear();
			return {};
		}
		std::string self = "/proc/self/fd/" + std::to_string(fd_.get());
		int status = linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(),
				    AT_SYMLINK_FOLLOW);
		if (status != 0 && errno == ENOENT) // no /proc; this needs CAP_DAC_READ_SEARCH
			status = linkat(fd_.get(), "", AT_FDCWD, path.c_str(), AT_EMPTY_PATH);
		if (status != 0 && errno != EEXIST)
			return make_io_error(path, "cannot create", errno);
		return {};
	}

private:
	PendingEntry(UniqueFd fd, std::string temp) : fd_(std::move(fd)), temp_(std::move(temp)) {}

	UniqueFd fd_;
	std::string temp_;
};

// Removes the entries of earlier versions of the same source path; a mount that still uses one
// keeps it open, so it goes only when that mount ends.
void remove_older_entries(const std::string &dir, const EntryName &current)
{
	DIR *d = opendir(dir.c_str());
	if (!d)
		return;
	while (dirent *e = readdir(d)) {
		std::string_view name = e->d_name;
		if (name.starts_with(current.prefix) && name.ends_with(".core") &&
		    name != current.name)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

} // namespace

std::string default_core_cache_dir()
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	// The specification says to ignore a relative XDG_CACHE_HOME.
	if (xdg && xdg[0] == '/')
		return std::string(xdg) + "/vmcorefs/cores";
	const char *home = getenv("HOME");
	if (home && home[0] == '/')
		return std::string(home) + "/.cache/vmcorefs/cores";
	return "";
}

Result<CachedCore> decompressed_core(const std::string &source, Compression format,
				     const std::string &cache_dir,
				     const DecompressProgress &progress)
{
	auto name = entry_name(source);
	if (!name)
		return name.take_error();
	VMCOREFS_TRY(make_directories(cache_dir));
	std::string path = cache_dir + "/" + name->name;
	struct stat st;
	if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
		return CachedCore{path, true};
	auto entry = PendingEntry::create(cache_dir, name->name);
	if (!entry)
		return entry.take_error();
	auto size = decompress_to_sparse_file(source, format, entry->fd(), path, progress);
	if (!size)
		return size.take_error();
	// What was read must be what the name says: not a file rewritten meanwhile.
	auto after = entry_name(source);
	if (!after)
		return after.take_error();
	if (after->name != name->name)
		return make_error(ErrorCode::io, source,
				  "changed while it was being decompressed; try again");
	VMCOREFS_TRY(entry->commit(path));
	remove_older_entries(cache_dir, *name);
	return CachedCore{path, false};
}

} // namespace vmcorefs
