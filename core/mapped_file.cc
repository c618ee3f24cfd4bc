#include "mapped_file.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmcorefs {

Result<MappedFile> MappedFile::open(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return make_io_error(path, "cannot open", errno);
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		::close(fd);
		return make_io_error(path, "cannot stat", e);
	}
	if (!S_ISREG(st.st_mode)) {
		::close(fd);
		return make_error(ErrorCode::usage, path, "not a regular file");
	}
	const std::byte *data = nullptr;
	if (st.st_size > 0) {
		// MAP_NORESERVE: a 1 TiB sparse core must not count against overcommit.
		void *p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
			       MAP_SHARED | MAP_NORESERVE, fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			::close(fd);
			return make_io_error(path, "cannot map", e);
		}
		data = static_cast<const std::byte *>(p);
	}
	return MappedFile(path, fd, data, static_cast<uint64_t>(st.st_size));
}

MappedFile::MappedFile(MappedFile &&other) noexcept
	: path_(std::move(other.path_)), fd_(other.fd_), data_(other.data_), size_(other.size_)
{
	other.fd_ = -1;
	other.data_ = nullptr;
	other.size_ = 0;
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept
{
	if (this != &other) {
		reset();
		path_ = std::move(other.path_);
		fd_ = other.fd_;
		data_ = other.data_;
		size_ = other.size_;
		other.fd_ = -1;
		other.data_ = nullptr;
		other.size_ = 0;
	}
	return *this;
}

MappedFile::~MappedFile() { reset(); }

void MappedFile::reset() noexcept
{
	if (data_)
		munmap(const_cast<std::byte *>(data_), static_cast<size_t>(size_));
	if (fd_ >= 0)
		::close(fd_);
	data_ = nullptr;
	fd_ = -1;
}

Result<uint64_t> MappedFile::current_size() const
{
	struct stat st;
	if (fstat(fd_, &st) != 0)
		return make_io_error(path_, "cannot stat", errno);
	return static_cast<uint64_t>(st.st_size);
}

} // namespace vmcorefs
