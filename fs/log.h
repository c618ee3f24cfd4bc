// What vmcorefs tells its user outside of errors: the facts about a loaded guest before it is
// served, and the few messages of the running daemon. The mount command prints on stderr until
// the mount is ready; after it has detached from the terminal (stderr is then /dev/null) the
// daemon's messages, such as a core that shrank under the mount, go to syslog.
#pragma once

#include <string>
#include <vector>

#include "load/guest_loader.h"

namespace vmcorefs {

// Writes "vmcorefs: LINE" to stderr, or LINE to syslog after log_to_syslog().
void log_line(const std::string &line);
void log_to_syslog();

// Prints an error as the one line "vmcorefs: FILE: MESSAGE" and returns the exit status it
// means: exit_usage for a usage error, exit_failure otherwise.
int fail(const Error &error);

// One line per guest range absent from the core and per warning of the walker or of the caller
// ("vmcorefs: CORE: guest 0x...-0x... absent from the core (REASON)"; the end is exclusive).
void report_guest(const LoadedGuest &guest, const std::vector<std::string> &more_warnings = {});

} // namespace vmcorefs
