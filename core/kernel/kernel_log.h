// The guest kernel's log (what dmesg prints), decoded from guest memory with VMCOREINFO alone: the
// kernel publishes there the symbols and structure offsets of its log buffer, so no vmlinux and
// no DWARF of the kernel are needed. Two formats: the lockless ring buffer of Linux 5.10 and
// later (SYMBOL(prb)), and the variable-length records of log_buf before it (SYMBOL(log_buf)).
// Everything read from the guest is untrusted: sizes and indices are bounded, each record is
// checked on its own, and a damaged one is left out and counted, never guessed at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"

namespace vmcorefs {

struct LogRecord {
	uint64_t ts_nsec = 0; // since boot
	std::string text;     // as the kernel stored it: may hold newlines and any byte
};

struct KernelLog {
	std::vector<LogRecord> records; // oldest first
	// Why the log is missing or incomplete, one line; empty when every record was read.
	std::string problem;
};

// Reads kernel virtual memory (KernelMemory::read, or a test's fake).
using KernelReader = std::function<Result<void>(uint64_t vaddr, void *dst, size_t length)>;

// Never fails: what cannot be read is said in problem, with whatever records could be.
KernelLog read_kernel_log(const std::string &vmcoreinfo, const KernelReader &read);

} // namespace vmcorefs
