// A read-only file and its whole-file mapping, owned together (RAII). The mapping covers the size
// the file had when it was opened; a file that shrinks later is noticed by the readers (EFAULT from
// the kernel when it copies from the mapping, or current_size()), never by SIGBUS in our own loads,
// because core/ copies out of the mapping only at open time, before serving starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "error.h"

namespace vmcorefs {

class MappedFile {
public:
	static Result<MappedFile> open(const std::string &path);

	MappedFile(MappedFile &&other) noexcept;
	MappedFile &operator=(MappedFile &&other) noexcept;
	MappedFile(const MappedFile &) = delete;
	MappedFile &operator=(const MappedFile &) = delete;
	~MappedFile();

	const std::string &path() const { return path_; }
	int fd() const { return fd_; }
	// Size at open time; every offset read from the file is checked against it.
	uint64_t size() const { return size_; }
	std::span<const std::byte> bytes() const { return {data_, static_cast<size_t>(size_)}; }
	// fstat now; for noticing a file that shrank under us.
	Result<uint64_t> current_size() const;

private:
	MappedFile(std::string path, int fd, const std::byte *data, uint64_t size)
		: path_(std::move(path)), fd_(fd), data_(data), size_(size) {}
	void reset() noexcept;

	std::string path_;
	int fd_ = -1;
	const std::byte *data_ = nullptr;
	uint64_t size_ = 0;
};

} // namespace vmcorefs
