#include "source/mapped_file.h"

#include <cerrno>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

#include "base/regular_file.h"

namespace vmcorefs {
namespace {

bool same_time(const timespec &a, const timespec &b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

} // namespace

Result<MappedFile> MappedFile::open(const std::string &path)
{
	auto fd = open_regular_file(path);
	if (!fd)
		return fd.take_error();
	struct stat st;
	if (fstat(fd->get(), &st) != 0)
		return make_io_error(path, "cannot stat", errno);
	const std::byte *data = nullptr;
	if (st.st_size > 0) {
		// MAP_NORESERVE: a 1 TiB sparse core must not count against overcommit.
		void *p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
			       MAP_SHARED | MAP_NORESERVE, fd->get(), 0);
		if (p == MAP_FAILED)
			return make_io_error(path, "cannot map", errno);
		data = static_cast<const std::byte *>(p);
	}
	return MappedFile(path, fd->release(), data, st);
}

MappedFile::MappedFile(MappedFile &&other) noexcept
	: path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)),
	  data_(std::exchange(other.data_, nullptr)), opened_(std::exchange(other.opened_, {}))
{
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept
{
	if (this != &other) {
		reset();
		path_ = std::move(other.path_);
		fd_ = std::exchange(other.fd_, -1);
		data_ = std::exchange(other.data_, nullptr);
		opened_ = std::exchange(other.opened_, {});
	}
	return *this;
}

MappedFile::~MappedFile()
{
	reset();
}

void MappedFile::reset() noexcept
{
	if (data_)
		munmap(const_cast<std::byte *>(data_), static_cast<size_t>(size()));
	if (fd_ >= 0)
		::close(fd_);
	data_ = nullptr;
	fd_ = -1;
}

Result<void> MappedFile::read(uint64_t offset, void *dst, size_t length) const
{
	auto *out = static_cast<std::byte *>(dst);
	while (length > 0) {
		ssize_t n = pread(fd_, out, length, static_cast<off_t>(offset));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return make_io_error(path_, "cannot read", errno);
		if (n == 0)
			return make_error(ErrorCode::changed, path_,
					  "ends before offset " + hex(offset) +
						  " now: it shrank since vmcorefs opened it",
					  offset);
		out += n;
		offset += static_cast<uint64_t>(n);
		length -= static_cast<size_t>(n);
	}
	return {};
}

Result<void> MappedFile::check_unchanged() const
{
	struct stat now;
	if (fstat(fd_, &now) != 0)
		return make_io_error(path_, "cannot stat", errno);
	std::string how;
	if (now.st_size != opened_.st_size)
		how = hex(static_cast<uint64_t>(opened_.st_size)) + " bytes then, " +
		      hex(static_cast<uint64_t>(now.st_size)) + " now";
	else if (!same_time(now.st_mtim, opened_.st_mtim))
		how = "written to, same size";
	else if (!same_time(now.st_ctim, opened_.st_ctim))
		how = "its inode changed";
	if (how.empty())
		return {};
	return make_error(ErrorCode::changed, path_,
			  "changed since vmcorefs opened it (" + how + ")");
}

} // namespace vmcorefs
