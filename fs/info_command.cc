// vmcorefs --info CORE: what the core holds, without mounting.
#include <cstdio>

#include "cli.h"
#include "info_render.h"

namespace vmcorefs {

int run_info(const Options &options)
{
	auto guest = load_guest(options.load);
	if (!guest) {
		std::fprintf(stderr, "vmcorefs: %s\n", guest.error().to_string().c_str());
		return exit_failure;
	}
	std::fputs(render_info(*guest).c_str(), stdout);
	if (options.verbose) {
		std::puts("\ndetails:");
		for (const auto &line : guest->details)
			std::printf("  %s\n", line.c_str());
	}
	return exit_ok;
}

} // namespace vmcorefs
