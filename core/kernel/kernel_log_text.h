// What is shown of the guest kernel's log: the dmesg text, with the lines and timestamps of crash's
// `log` and makedumpfile 1.7.2's --dump-dmesg (bytes that are not text as \xHH, where crash prints
// '.'), and the panic line, found as crash finds the one its `sys` command prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernel/kernel_log.h"

namespace vmcorefs {

// A log timestamp as seconds with microseconds, "3.326848", as dmesg tools print it.
std::string log_seconds(uint64_t ts_nsec);

// One line a record: "[    3.326848] message"; a newline inside a message starts a line indented
// under the message; bytes that are neither printable nor white space are written \xNN. When the
// log has a problem, a last line "vmcorefs: ..." says it.
std::string format_dmesg(const KernelLog &log);

struct PanicReport {
	std::string line;                // the line that says why the kernel stopped
	uint64_t ts_nsec = 0;            // when it was logged
	std::vector<std::string> before; // the lines logged just before it, oldest first
};

// crash's choice (its `sys` PANIC line): the first line holding the most telling of a list of
// phrases ("Kernel panic - ", "kernel BUG at", "Oops: "...), tried one phrase at a time over the
// whole log. nullopt when no line holds any.
std::optional<PanicReport> find_panic(const KernelLog &log);

} // namespace vmcorefs
