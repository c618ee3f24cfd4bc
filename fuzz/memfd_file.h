// The bytes of one fuzz input as a file: ProcessCore opens cores by path and maps them, so each
// input is written to a memfd (RAII) and opened as /proc/self/fd/N.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace vmcorefs::fuzz {

class MemfdFile {
public:
	// The file holds head, then tail.
	explicit MemfdFile(std::span<const uint8_t> head, std::span<const uint8_t> tail = {})
	{
		fd_ = memfd_create("vmcorefs-fuzz", MFD_CLOEXEC);
		if (fd_ < 0 || !write_all(head) || !write_all(tail))
			std::abort(); // the harness is broken, not the code under test
		path_ = "/proc/self/fd/" + std::to_string(fd_);
	}
	~MemfdFile() { close(fd_); }
	MemfdFile(const MemfdFile &) = delete;
	MemfdFile &operator=(const MemfdFile &) = delete;

	const std::string &path() const { return path_; }

private:
	bool write_all(std::span<const uint8_t> bytes)
	{
		while (!bytes.empty()) {
			ssize_t n = write(fd_, bytes.data(), bytes.size());
			if (n <= 0)
				return false;
			bytes = bytes.subspan(static_cast<size_t>(n));
		}
		return true;
	}

	int fd_ = -1;
	std::string path_;
};

} // namespace vmcorefs::fuzz
