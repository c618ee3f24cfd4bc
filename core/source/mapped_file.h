// A read-only regular file and its whole-file mapping, owned together (RAII), and what the file
// was when it was opened: the MemorySource of a core, and how a reference vmcore is read. core/
// reads it only with read() (pread), which sees a file that shrank as a short read: an error,
// never SIGBUS. The mapping, bytes(), is for the FUSE front end, whose
// replies point into it: there the kernel copies, and a page that is gone makes the copy fail
// with EFAULT instead of raising SIGBUS in the daemon.
//
// A file that changes after it was opened (truncated, extended, rewritten in place) must never
// be served as if it had not: check_unchanged() compares it with what was opened.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <sys/stat.h>

#include "base/error.h"
#include "source/memory_source.h"

namespace vmcorefs {

class MappedFile final : public MemorySource {
public:
	// Errors: those of open_regular_file, "cannot map: …".
	static Result<MappedFile> open(const std::string &path);

	MappedFile(MappedFile &&other) noexcept;
	MappedFile &operator=(MappedFile &&other) noexcept;
	MappedFile(const MappedFile &) = delete;
	MappedFile &operator=(const MappedFile &) = delete;
	~MappedFile() override;

	const std::string &path() const override { return path_; }
	int fd() const override { return fd_; }
	// Size at open time; every offset read from the file is checked against it.
	uint64_t size() const override { return static_cast<uint64_t>(opened_.st_size); }
	// The file's status at open time: its owner, mode and times are shown in the mount.
	const struct stat &opened() const override { return opened_; }
	// The mapping of the first size() bytes; see the header comment.
	std::span<const std::byte> bytes() const override
	{
		return {data_, static_cast<size_t>(size())};
	}

	bool changing() const override { return false; }

	// Copies the length bytes at offset. Errors: changed when the file now ends before them,
	// io when pread fails.
	Result<void> read(uint64_t offset, void *dst, size_t length) const override;
	// Error changed unless the file has the size, modification time and change time it had
	// when it was opened. A rewrite in place, or a truncation followed by an extension back to
	// the old size, keeps the size but not the times.
	Result<void> check_unchanged() const override;

private:
	MappedFile(std::string path, int fd, const std::byte *data, const struct stat &opened)
		: path_(std::move(path)), fd_(fd), data_(data), opened_(opened)
	{
	}
	void reset() noexcept;

	std::string path_;
	int fd_ = -1;
	const std::byte *data_ = nullptr;
	struct stat opened_ = {};
};

} // namespace vmcorefs
