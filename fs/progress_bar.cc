#include "progress_bar.h"

#include <cstdio>
#include <unistd.h>

namespace vmcorefs {

ProgressBar::ProgressBar(std::string label)
	: label_(std::move(label)), shown_(isatty(STDERR_FILENO))
{
}

ProgressBar::~ProgressBar()
{
	if (shown_ && percent_ >= 0 && percent_ < 100)
		std::fputc('\n', stderr);
}

void ProgressBar::reached(uint64_t done, uint64_t total)
{
	if (!shown_ || total == 0)
		return;
	int percent = static_cast<int>(done * 100 / total);
	if (percent == percent_)
		return;
	percent_ = percent;
	std::fprintf(stderr, "\rvmcorefs: %s %3d%% (%llu of %llu MiB)", label_.c_str(), percent,
		     static_cast<unsigned long long>(done >> 20),
		     static_cast<unsigned long long>(total >> 20));
	if (done == total)
		std::fputc('\n', stderr);
}

} // namespace vmcorefs
