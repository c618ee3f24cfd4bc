#include "compressed_core.h"

#include <csignal>
#include <cstdio>
#include <unistd.h>

#include "base/private_cache.h"
#include "log.h"
#include "progress_bar.h"
#include "source/core_cache.h"
#include "source/core_decompressor.h"

namespace vmcorefs {
namespace {

volatile std::sig_atomic_t caught_signal = 0;

void note_signal(int sig)
{
	caught_signal = sig;
}

// While it lives, SIGINT, SIGTERM and SIGHUP only set caught_signal, so that the decompression
// can stop and clean up; signals the caller ignores stay ignored. Afterwards, a signal that came
// is delivered again with its default action, so the process ends as the sender expects.
class SignalsCancel {
public:
	SignalsCancel()
	{
		caught_signal = 0;
		struct sigaction action = {};
		action.sa_handler = note_signal;
		sigemptyset(&action.sa_mask);
		for (size_t i = 0; i < std::size(signals_); i++) {
			sigaction(signals_[i], nullptr, &old_[i]);
			if (old_[i].sa_handler == SIG_DFL)
				sigaction(signals_[i], &action, nullptr);
		}
	}
	~SignalsCancel()
	{
		for (size_t i = 0; i < std::size(signals_); i++)
			sigaction(signals_[i], &old_[i], nullptr);
		if (caught_signal != 0)
			raise(caught_signal);
	}
	SignalsCancel(const SignalsCancel &) = delete;
	SignalsCancel &operator=(const SignalsCancel &) = delete;

	bool caught() const { return caught_signal != 0; }

private:
	static constexpr int signals_[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction old_[std::size(signals_)];
};

std::string base_name(const std::string &path)
{
	return path.substr(path.rfind('/') + 1);
}

} // namespace

Result<std::string> uncompressed_core(const std::string &core_path, const std::string &cache_dir)
{
	auto format = detect_compression(core_path);
	if (!format)
		return format.take_error();
	if (*format == Compression::none)
		return core_path;
	std::string dir = cache_dir.empty() ? default_cache_dir("cores") : cache_dir;
	if (dir.empty())
		return make_error(ErrorCode::usage, core_path,
				  "compressed, and there is no cache directory to decompress it "
				  "into: set HOME or XDG_CACHE_HOME, or give --cache-dir");
	// In this order, the bar ends its line before a caught signal is delivered again.
	SignalsCancel signals;
	ProgressBar bar("decompressing " + base_name(core_path) + " (" + to_string(*format) + ")");
	auto progress = [&](uint64_t done, uint64_t total) {
		bar.reached(done, total);
		return !signals.caught();
	};
	auto cached = decompressed_core(core_path, *format, dir, progress);
	if (!cached)
		return cached.take_error();
	if (!cached->warning.empty())
		log_line(cached->warning);
	return cached->path;
}

} // namespace vmcorefs
