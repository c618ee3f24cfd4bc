#include "stderr_capture.h"

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <string_view>
#include <sys/mman.h>
#include <unistd.h>

namespace vmcorefs {

StderrCapture::StderrCapture()
{
	std::fflush(stderr);
	memfd_ = memfd_create("vmcorefs-stderr", MFD_CLOEXEC);
	saved_ = memfd_ < 0 ? -1 : fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved_ < 0 || dup2(memfd_, STDERR_FILENO) < 0)
		restore();
}

std::string StderrCapture::finish()
{
	std::string text;
	if (saved_ >= 0) {
		std::fflush(stderr);
		char buf[4096];
		ssize_t n;
		for (off_t at = 0; (n = pread(memfd_, buf, sizeof buf, at)) > 0; at += n)
			text.append(buf, static_cast<size_t>(n));
	}
	restore();
	return text;
}

void StderrCapture::restore()
{
	if (saved_ >= 0) {
		std::fflush(stderr);
		dup2(saved_, STDERR_FILENO);
		close(saved_);
	}
	if (memfd_ >= 0)
		close(memfd_);
	saved_ = memfd_ = -1;
}

std::string one_line(const std::string &text)
{
	std::string out;
	size_t start = 0;
	while (start < text.size()) {
		size_t end = std::min(text.find('\n', start), text.size());
		std::string_view line(text.data() + start, end - start);
		for (std::string_view prefix : {"fuse: ", "fusermount3: "})
			if (line.starts_with(prefix))
				line.remove_prefix(prefix.size());
		if (!line.empty())
			out += (out.empty() ? "" : "; ") + std::string(line);
		start = end + 1;
	}
	return out;
}

} // namespace vmcorefs
