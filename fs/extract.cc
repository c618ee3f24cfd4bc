// Writing a served file into a real one, without FUSE (vmcorefs --extract). Core bytes are
// copied with copy_file_range (pread and pwrite where the kernel cannot), holes of the core are
// skipped so that the output is as sparse as the core, and the core is only ever read through
// its fd: a core that shrinks meanwhile is a short read, reported, never a SIGBUS.
//
// Nothing that vmcorefs did not create is ever destroyed: the vmcore is written into a new file
// beside the target (core/base/pending_file.h), which replaces the target only once it is complete
// and on disk; devices, FIFOs and the core itself are refused as targets.
#include "extract.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include "base/file_runs.h"
#include "base/pending_file.h"
#include "output_file.h"
#include "progress_bar.h"

namespace vmcorefs {
namespace {

constexpr size_t copy_step = 64 << 20; // progress is updated at least this often
constexpr size_t buffer_size = 1 << 20;

// The file being written and the name it will have.
struct Output {
	std::string path;
	int fd;
};

struct Copy {
	const MemorySource &core;
	const Output &out;
	ProgressBar &progress;
	uint64_t total;          // bytes of the whole file, for the progress bar
	bool kernel_copy = true; // copy_file_range until the kernel declines
	std::vector<std::byte> buffer;
};

Result<void> write_all(const Output &out, const std::byte *data, size_t length, uint64_t offset)
{
	while (length > 0) {
		ssize_t n = pwrite(out.fd, data, length, static_cast<off_t>(offset));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return make_io_error(out.path, "cannot write", n < 0 ? errno : EIO);
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
		ssize_t n = copy_file_range(c.core.fd(), &in, c.out.fd, &out, length, 0);
		if (n >= 0)
			return static_cast<size_t>(n);
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return make_io_error(c.core.path(), "cannot copy to " + c.out.path, errno);
		c.kernel_copy = false; // e.g. another file system type: copy by hand from now on
	}
	c.buffer.resize(buffer_size);
	size_t n = std::min(length, buffer_size);
	VMCOREFS_TRY(c.core.read(from, c.buffer.data(), n));
	VMCOREFS_TRY(write_all(c.out, c.buffer.data(), n, to));
	return n;
}

Result<void> copy_core_range(Copy &c, uint64_t from, uint64_t to, uint64_t length)
{
	while (length > 0) {
		size_t step = static_cast<size_t>(std::min<uint64_t>(length, copy_step));
		auto n = copy_some(c, from, to, step);
		if (!n)
			return n.take_error();
		if (*n == 0) { // copy_file_range at the core's end: it shrank; read() says so
			std::byte probe;
			return c.core.read(from, &probe, 1);
		}
		from += *n;
		to += *n;
		length -= *n;
		c.progress.reached(to, c.total);
	}
	return {};
}

// Copies the data of a core extent run by run, leaving the core's holes as holes of the output.
// Bytes past the end of a core that shrank are data to FileRuns: copying them fails.
Result<void> copy_core_extent(Copy &c, const Extent &e)
{
	FileRuns runs(c.core.fd());
	uint64_t end = e.source_offset + e.length;
	for (uint64_t pos = e.source_offset; pos < end;) {
		FileRun run = runs.at(pos);
		uint64_t run_end = std::min(run.end, end);
		if (!run.hole)
			VMCOREFS_TRY(copy_core_range(c, pos, e.offset + (pos - e.source_offset),
						     run_end - pos));
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
	case Extent::Source::core: return copy_core_extent(c, e);
	case Extent::Source::absent: break;
	}
	return make_error(ErrorCode::absent, c.core.path(), "guest.vmcore would hold absent memory",
			  e.offset);
}

} // namespace

Result<void> extract_file(const ExtentTable &table, const MemorySource &core,
			  const std::string &path)
{
	auto target = output_destination(path, {core.opened()}, "--extract");
	if (!target)
		return target.take_error();
	auto pending = PendingFile::create(target->directory, target->name);
	if (!pending)
		return pending.take_error();
	Output out{path, pending->fd()};
	ProgressBar progress("extracting");
	Copy c{core, out, progress, table.size(), true, {}};
	VMCOREFS_TRY(core.check_unchanged());
	for (const Extent &e : table.extents()) {
		VMCOREFS_TRY(copy_extent(c, table, e));
		progress.reached(e.offset + e.length, table.size());
	}
	// A core that shrank reads as holes past its new end under SEEK_DATA, and one rewritten in
	// place may have been read in part: such bytes must not pass for the guest's.
	VMCOREFS_TRY(core.check_unchanged());
	// The last bytes may be a hole that nothing was written to.
	if (ftruncate(out.fd, static_cast<off_t>(table.size())) != 0)
		return make_io_error(path, "cannot set the size", errno);
	return pending->commit(target->path, PendingFile::Existing::replace);
}

} // namespace vmcorefs
