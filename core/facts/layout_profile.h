// Layout profiles: QemuFacts as a small text file, so that a QEMU whose debug info is not at hand
// (a distribution's stripped binary, an air-gapped host) is walked as if it were. A profile is
// keyed by the build-id of the QEMU executable it describes and holds the answer to every lookup
// qemu_fact_list.h declares, one line each:
//
//     vmcorefs layout profile 1
//     build-id 4f0b…
//     qemu-version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)
//     struct X86CPU|ArchCPU X86CPU 43808        declared names, the one that matched, size
//     field X86CPU|ArchCPU env 10176 33472 0 env  offset, size, array stride, the path matched
//     struct ARMCPU|ArchCPU -                   QEMU has none of them
//     enumerator CC_OP_EFLAGS 1
//     global cpus_queue|cpus cpus 0x1b4c8e0     offset from the executable's load bias
//     global-prefix vmcoreinfo_state vmcoreinfo_state.0 0x1b9a2c0
//
// Lines that start with '#' are comments (a shipped profile says there which package it
// describes and how it was made).
//
// A profile is read as untrusted input: every line is checked, every declared fact must be
// there once (a profile of an older vmcorefs that lacks one is refused, not guessed from), and a
// field must lie inside its struct.
#pragma once

#include <string>

#include "base/error.h"
#include "facts/qemu_facts.h"

namespace vmcorefs {

// The profile's text; facts must answer every declared lookup (as dwarf_facts.h's do).
std::string format_profile(const QemuFacts &facts);

// The facts of the profile text read from path (path only names it in errors). Errors:
// corrupt naming path and the line at fault.
Result<QemuFacts> parse_profile(std::string_view text, const std::string &path);

// parse_profile of the file at path, which must be a regular file (opened without waiting on a
// FIFO) of at most a MiB. Errors: io, unsupported (not a regular file), corrupt.
Result<QemuFacts> read_profile(const std::string &path);
// The same of a file open as fd.
Result<QemuFacts> read_profile(int fd, const std::string &path);

} // namespace vmcorefs
