#include "source/core_cache.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utility>
#include <xxhash.h>

#include "base/pending_file.h"
#include "base/private_cache.h"
#include "base/unique_fd.h"

namespace vmcorefs {
namespace {

// Bumped when the cache's contents would change for the same input. 2: entries carry
// user.vmcorefs.source; those of 1, without it, would be taken for someone else's.
constexpr char cache_version[] = "vmcorefs-core-cache-2";
constexpr size_t readable_name_max = 80;
// Holds the identity an entry was made from (EntryName::identity).
constexpr char source_attribute[] = "user.vmcorefs.source";

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
// share the part up to the identity hash (prefix). identity is what the name is hashed from.
struct EntryName {
	std::string prefix;
	std::string name;
	std::string identity;
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
	return EntryName{prefix,
			 prefix + hex_digits(XXH3_64bits(key.data(), key.size()), 16) + ".core",
			 key};
}

// An entry carries the identity of the source it was made from, so that a file put under its
// name by someone else is told apart. Not every file system has user attributes (NFS before 4.2,
// tmpfs before Linux 6.6); there an entry goes without.
Result<void> record_source(int fd, const std::string &path, const std::string &identity)
{
	if (fsetxattr(fd, source_attribute, identity.data(), identity.size(), 0) == 0 ||
	    errno == ENOTSUP)
		return {};
	return make_io_error(path, "cannot set its user.vmcorefs.source attribute", errno);
}

// Empty when the open file fd carries identity or its file system has no user attributes;
// otherwise why it is not an entry made from that source.
std::string source_mismatch(int fd, const std::string &identity)
{
	std::string recorded(identity.size() + 1, '\0'); // ERANGE for a longer one: not the same
	ssize_t n = fgetxattr(fd, source_attribute, recorded.data(), recorded.size());
	if (n < 0 && errno == ENOTSUP)
		return "";
	if (n < 0 && errno == ENODATA)
		return "no user.vmcorefs.source attribute";
	if (n < 0 && errno != ERANGE)
		return std::string("cannot read its user.vmcorefs.source attribute: ") +
		       strerror(errno);
	if (n < 0 || std::string_view(recorded.data(), size_t(n)) != identity)
		return "made from another source";
	return "";
}

// Opened without following a symlink or waiting on a FIFO, and ours only if it is a file of the
// user's that carries identity (private_cache.h says why the rest).
Result<CacheEntry> find_entry(const std::string &path, const std::string &identity)
{
	auto entry = open_cache_entry(path);
	if (!entry || entry->kind != CacheEntry::ours)
		return entry;
	std::string mismatch = source_mismatch(entry->fd.get(), identity);
	if (!mismatch.empty())
		return CacheEntry{CacheEntry::foreign, mismatch, true, {}};
	return entry;
}

// The warning for an entry left unused. An Error only for its "FILE: MESSAGE" form.
std::string ignored_entry(const std::string &path, const std::string &why)
{
	return make_error(ErrorCode::io, path,
			  "ignored a cache entry that is not vmcorefs's own (" + why +
				  "); decompressing again")
		.to_string();
}

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

Result<CachedCore> decompressed_core(const std::string &source, Compression format,
				     const std::string &cache_dir,
				     const DecompressProgress &progress)
{
	auto name = entry_name(source);
	if (!name)
		return name.take_error();
	VMCOREFS_TRY(make_private_directory(cache_dir));
	std::string path = cache_dir + "/" + name->name;
	auto found = find_entry(path, name->identity);
	if (!found)
		return found.take_error();
	if (found->kind == CacheEntry::ours)
		return CachedCore{path, true, ""};
	std::string warning;
	if (found->kind == CacheEntry::foreign) {
		warning = ignored_entry(path, found->why);
		// unlinkat removes the name itself, never what a symlink points to.
		if (found->removable)
			unlinkat(AT_FDCWD, path.c_str(), 0);
	}
	auto entry = PendingFile::create(cache_dir, name->name);
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
	VMCOREFS_TRY(record_source(entry->fd(), path, name->identity));
	// An entry that appeared meanwhile is another vmcorefs's, as good as ours; but what was
	// refused above (a FIFO, say, which is not removed) must not stay.
	VMCOREFS_TRY(entry->commit(path, found->kind == CacheEntry::foreign
						 ? PendingFile::Existing::replace
						 : PendingFile::Existing::keep));
	remove_older_entries(cache_dir, *name);
	return CachedCore{path, false, warning};
}

} // namespace vmcorefs
