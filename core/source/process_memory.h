// ProcessMemory: the memory of a live process, the MemorySource of `vmcorefs --pid`. It is read
// with pread on /proc/PID/mem, whose offsets are the process's virtual addresses. The process
// goes on running (unless frozen): each read gives what is there at that moment. Once it has
// exited, every read fails (changed); an address it no longer maps fails (absent); neither is
// ever read as zeros.
//
// Opening it needs the right to ptrace the process: root, or its owner where Yama's ptrace_scope
// allows it. Errors say which of these is missing.
#pragma once

#include <memory>
#include <string>
#include <sys/types.h>

#include "base/unique_fd.h"
#include "source/memory_source.h"

namespace vmcorefs {

class ProcessMemory final : public MemorySource {
public:
	// Errors: io (no such process, a zombie, permission: with what would allow it).
	static Result<std::unique_ptr<ProcessMemory>> open(pid_t pid);

	pid_t pid() const { return pid_; }
	// "/proc/PID", for the process's other files.
	const std::string &proc_dir() const { return proc_dir_; }

	const std::string &path() const override { return name_; }
	int fd() const override { return mem_.get(); }
	uint64_t size() const override { return UINT64_MAX; }
	const struct stat &opened() const override { return opened_; }
	std::span<const std::byte> bytes() const override { return {}; }
	// Even a stopped process changes once it resumes.
	bool changing() const override { return true; }
	Result<void> read(uint64_t offset, void *dst, size_t length) const override;
	// Error changed once the process has exited (its pidfd is readable).
	Result<void> check_unchanged() const override;

private:
	ProcessMemory(pid_t pid, UniqueFd mem, UniqueFd pidfd, const struct stat &opened);
	Error exited() const;

	pid_t pid_;
	std::string name_;
	std::string proc_dir_;
	UniqueFd mem_;
	UniqueFd pidfd_;
	struct stat opened_;
};

// Why this user may not read process pid's memory, and how to allow it; for errors.
std::string ptrace_permission_hint(pid_t pid);
// The part of that hint for a process of this user: what Yama's ptrace_scope (its text in
// /proc/sys/kernel/yama/ptrace_scope; empty: no Yama) allows.
std::string yama_hint(const std::string &scope);

} // namespace vmcorefs
