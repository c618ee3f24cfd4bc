// Writing a served file into a real one, without FUSE (vmcorefs --extract). Core bytes are
// copied with copy_file_range (pread and pwrite where the kernel cannot), holes of the core are
// skipped so that the output is as sparse as the core, and the core is only ever read through
// its fd: a core that shrinks meanwhile is a short read, reported, never a SIGBUS.
#include "extract.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "progress_bar.h"

namespace vmcorefs {
namespace {

constexpr size_t copy_step = 64 << 20; // progress is updated at least this often
constexpr size_t buffer_size = 1 << 20;

// Owns the output file: closed always, removed unless keep() was called, so that a failed
// extraction leaves nothing that could pass for a vmcore.
class Output {
public:
	Output(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
	~Output()
	{
		if (fd_ >= 0)
			::close(fd_);
		if (!kept_)
			::unlink(path_.c_str());
	}
	Output(const Output &) = delete;
	Output &operator=(const Output &) = delete;

	const std::string &path() const { return path_; }
	int fd() const { return fd_; }
	Result<void> keep()
	{
		int fd = std::exchange(fd_, -1);
		if (::close(fd) != 0)
			return make_io_error(path_, "cannot write", errno);
		kept_ = true;
		return {};
	}

private:
	std::string path_;
	int fd_;
	bool kept_ = false;
};

struct Copy {
	const MappedFile &core;
	Output &out;
	ProgressBar &progress;
	uint64_t total; // bytes of the whole file, for the progress bar
	bool kernel_copy = true; // copy_file_range until the kernel declines
	std::vector<std::byte> buffer;
};

Error short_read(const MappedFile &core, uint64_t offset)
{
	return make_error(ErrorCode::truncated, core.path(),
			  "short read at offset " + hex(offset) +
				  ": the core is shorter than it was",
			  offset);
}

Result<void> write_all(const Output &out, const std::byte *data, size_t length, uint64_t offset)
{
	while (length > 0) {
		ssize_t n = pwrite(out.fd(), data, length, static_cast<off_t>(offset));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return make_io_error(out.path(), "cannot write", n < 0 ? errno : EIO);
		data += n;
		length -= static_cast<size_t>(n);
		offset += static_cast<uint64_t>(n);
	}
	return {};
}

// Copies up to length bytes of the core at from into the output at to; returns how many.
Result<size_t> copy_some(Copy &c, uint64_t from, uint64_t to, size_t length)
{
	if (c.kernel_copy) {
		auto in = static_cast<off_t>(from), out = static_cast<off_t>(to);
		ssize_t n = copy_file_range(c.core.fd(), &in, c.out.fd(), &out, length, 0);
		if (n >= 0)
			return static_cast<size_t>(n);
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return make_io_error(c.core.path(), "cannot copy to " + c.out.path(),
					     errno);
		c.kernel_copy = false; // e.g. another file system type: copy by hand from now on
	}
	c.buffer.resize(buffer_size);
	ssize_t n = pread(c.core.fd(), c.buffer.data(), std::min(length, buffer_size),
			  static_cast<off_t>(from));
	if (n < 0)
		return make_io_error(c.core.path(), "cannot read", errno);
	VMCOREFS_TRY(write_all(c.out, c.buffer.data(), static_cast<size_t>(n), to));
	return static_cast<size_t>(n);
}

Result<void> copy_core_range(Copy &c, uint64_t from, uint64_t to, uint64_t length)
{
	while (length > 0) {
		size_t step = static_cast<size_t>(std::min<uint64_t>(length, copy_step));
		auto n = copy_some(c, from, to, step);
		if (!n)
			return n.take_error();
		if (*n == 0)
			return short_read(c.core, from);
		from += *n;
		to += *n;
		length -= *n;
		c.progress.reached(to, c.total);
	}
	return {};
}

// Copies the data of a core extent run by run, leaving the core's holes as holes of the output.
Result<void> copy_core_extent(Copy &c, const Extent &e)
{
	uint64_t end = e.source_offset + e.length;
	for (uint64_t pos = e.source_offset; pos < end;) {
		off_t data = lseek(c.core.fd(), static_cast<off_t>(pos), SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; // only a hole up to the core's end
		if (data < 0)
			data = static_cast<off_t>(pos); // cannot tell: copy it all
		if (static_cast<uint64_t>(data) >= end)
			break;
		off_t hole = lseek(c.core.fd(), data, SEEK_HOLE);
		uint64_t run_end = hole < 0 ? end : std::min<uint64_t>(hole, end);
		uint64_t run = static_cast<uint64_t>(data);
		uint64_t to = e.offset + (run - e.source_offset);
		VMCOREFS_TRY(copy_core_range(c, run, to, run_end - run));
		pos = run_end;
	}
	return {};
}

Result<void> copy_extent(Copy &c, const ExtentTable &table, const Extent &e)
{
	switch (e.source) {
	case Extent::Source::generated:
		return write_all(c.out, table.generated().data() + e.source_offset, e.length,
				 e.offset);
	case Extent::Source::core:
		return copy_core_extent(c, e);
	case Extent::Source::absent:
		break;
	}
	return make_error(ErrorCode::absent, c.core.path(), "guest.vmcore would hold absent memory",
			  e.offset);
}

// A core that is shorter than when it was opened reads as holes past its new end under
// SEEK_DATA; checked before and after, so that such bytes never pass for zeros.
Result<void> check_core_size(const MappedFile &core)
{
	auto now = core.current_size();
	if (!now)
		return now.take_error();
	if (*now < core.size())
		return short_read(core, *now);
	return {};
}

} // namespace

Result<void> extract_file(const ExtentTable &table, const MappedFile &core,
			  const std::string &path)
{
	// Guest RAM holds whatever the guest had in memory: keys, passwords. Readable by the owner
	// only, as the kernel makes process cores.
	int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return make_io_error(path, "cannot create", errno);
	Output out(path, fd);
	ProgressBar progress("extracting");
	Copy c{core, out, progress, table.size(), true, {}};
	VMCOREFS_TRY(check_core_size(core));
	for (const Extent &e : table.extents()) {
		VMCOREFS_TRY(copy_extent(c, table, e));
		progress.reached(e.offset + e.length, table.size());
	}
	VMCOREFS_TRY(check_core_size(core));
	// The last bytes may be a hole that nothing was written to.
	if (ftruncate(out.fd(), static_cast<off_t>(table.size())) != 0)
		return make_io_error(path, "cannot set the size", errno);
	return out.keep();
}

} // namespace vmcorefs
