#include "log.h"

#include "base/text_escape.h"
#include "cli.h"

#include <atomic>
#include <cstdio>
#include <syslog.h>

namespace vmcorefs {
namespace {

std::atomic<bool> use_syslog = false;

} // namespace

void log_line(const std::string &line)
{
	if (use_syslog)
		syslog(LOG_ERR, "%s", line.c_str());
	else
		std::fprintf(stderr, "vmcorefs: %s\n", line.c_str());
}

int fail(const Error &error)
{
	log_line(error.to_string());
	return error.code == ErrorCode::usage ? exit_usage : exit_failure;
}

void log_to_syslog()
{
	openlog("vmcorefs", LOG_PID, LOG_DAEMON);
	use_syslog = true;
}

// Warnings can quote the core (an idstr, VMCOREINFO's source), so they are escaped as errors are.
void report_guest(const LoadedGuest &guest, const std::vector<std::string> &more_warnings)
{
	const std::string core = printable(guest.core->path());
	for (const AbsentRange &range : guest.map.absent)
		log_line(core + ": guest " + hex(range.start) + "-" + hex(range.end) +
			 " absent from the core (" + to_string(range.reason) + ")");
	for (const std::string &warning : guest.map.warnings)
		log_line(core + ": " + printable(warning));
	for (const std::string &warning : more_warnings)
		log_line(core + ": " + printable(warning));
}

} // namespace vmcorefs
