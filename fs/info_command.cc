// vmcorefs --info [--json] CORE: what the core holds, without mounting.
#include <cstdio>

#include "base/text_escape.h"
#include "cli.h"
#include "guest_report.h"
#include "log.h"

namespace vmcorefs {

static void print_details(const std::vector<std::string> &details)
{
	std::puts("\ndetails:");
	// They name paths and types found through the core: untrusted text.
	for (const auto &line : details)
		std::printf("  %s\n", printable(line).c_str());
}

int run_info(const Options &options)
{
	// With -v the details come even when the walk fails: on a QEMU whose structures differ,
	// which names matched and which did not is what a bug report needs.
	LoadOptions load = options.load;
	std::vector<std::string> failed_details;
	if (options.verbose)
		load.details = &failed_details;
	auto guest = load_guest(load);
	if (!guest) {
		fail(guest.error());
		if (!failed_details.empty())
			print_details(failed_details);
		return exit_failure;
	}
	GuestReport report(*guest);
	std::fputs((options.json ? report.info_json() : report.info()).c_str(), stdout);
	if (options.verbose)
		print_details(guest->details);
	return exit_ok;
}

} // namespace vmcorefs
