#include "source/process_memory.h"

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vmcorefs {
namespace {

std::string yama_scope()
{
	std::ifstream in("/proc/sys/kernel/yama/ptrace_scope");
	std::string value;
	return in >> value ? value : "";
}

// The process's state letter from /proc/PID/stat ('Z' for a zombie), or 0.
char process_state(const std::string &proc_dir)
{
	std::ifstream in(proc_dir + "/stat");
	std::string line;
	std::getline(in, line);
	size_t paren = line.rfind(')');
	return paren != std::string::npos && paren + 2 < line.size() ? line[paren + 2] : 0;
}

} // namespace

std::string ptrace_permission_hint(pid_t pid)
{
	struct stat st;
	std::string dir = "/proc/" + std::to_string(pid);
	if (stat(dir.c_str(), &st) == 0 && st.st_uid != geteuid())
		return "process " + std::to_string(pid) + " belongs to user " +
		       std::to_string(st.st_uid) + ": run vmcorefs as that user or as root";
	return yama_hint(yama_scope());
}

std::string yama_hint(const std::string &scope)
{
	if (scope.empty())
		return "reading another process's memory needs the right to ptrace it (root, or "
		       "CAP_SYS_PTRACE)";
	if (scope == "0")
		return "reading another process's memory needs the right to ptrace it";
	return "Yama's ptrace_scope is " + scope +
	       (scope == "3" ? ", which forbids ptrace to all, root included, until reboot"
			     : ", which lets only root (CAP_SYS_PTRACE) read another process's "
			       "memory: run vmcorefs as root, or set /proc/sys/kernel/yama/"
			       "ptrace_scope to 0");
}

Result<std::unique_ptr<ProcessMemory>> ProcessMemory::open(pid_t pid)
{
	std::string name = "process " + std::to_string(pid);
	std::string dir = "/proc/" + std::to_string(pid);
	if (pid <= 0 || access(dir.c_str(), F_OK) != 0)
		return make_error(ErrorCode::io, name, "no such process");
	if (process_state(dir) == 'Z')
		return make_error(ErrorCode::io, name, "the process has exited (a zombie)");
	// Taken first: from here on, an exit of this process (not of a later one with its pid) is
	// seen.
	UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
	if (!pidfd)
		return errno == ESRCH ? make_error(ErrorCode::io, name, "no such process")
				      : make_io_error(name, "cannot open a pidfd", errno);
	UniqueFd mem(::open((dir + "/mem").c_str(), O_RDONLY | O_CLOEXEC));
	if (!mem) {
		int e = errno;
		if (e == EACCES || e == EPERM)
			return make_error(ErrorCode::io, name,
					  "permission denied reading its memory: " +
						  ptrace_permission_hint(pid));
		return make_io_error(name, "cannot open " + dir + "/mem", e);
	}
	struct stat st;
	if (fstat(mem.get(), &st) != 0)
		return make_io_error(name, "cannot stat " + dir + "/mem", errno);
	return std::unique_ptr<ProcessMemory>(
		new ProcessMemory(pid, std::move(mem), std::move(pidfd), st));
}

ProcessMemory::ProcessMemory(pid_t pid, UniqueFd mem, UniqueFd pidfd, const struct stat &opened)
	: pid_(pid), name_("process " + std::to_string(pid)),
	  proc_dir_("/proc/" + std::to_string(pid)), mem_(std::move(mem)), pidfd_(std::move(pidfd)),
	  opened_(opened)
{
}

Error ProcessMemory::exited() const
{
	return make_error(ErrorCode::changed, name_, "the process has exited");
}

Result<void> ProcessMemory::check_unchanged() const
{
	pollfd p{pidfd_.get(), POLLIN, 0};
	if (poll(&p, 1, 0) > 0)
		return exited();
	return {};
}

Result<void> ProcessMemory::read(uint64_t offset, void *dst, size_t length) const
{
	auto *out = static_cast<std::byte *>(dst);
	while (length > 0) {
		ssize_t n = pread(mem_.get(), out, length, static_cast<off_t>(offset));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : 0;
			VMCOREFS_TRY(check_unchanged());
			if (n == 0 || e == ESRCH)
				return exited();
			if (e == EIO || e == EFAULT)
				return make_error(ErrorCode::absent, name_,
						  "host address " + hex(offset) +
							  " is not mapped in the process",
						  offset);
			return make_io_error(name_, "cannot read its memory at " + hex(offset), e);
		}
		out += n;
		offset += static_cast<uint64_t>(n);
		length -= static_cast<size_t>(n);
	}
	return {};
}

} // namespace vmcorefs
