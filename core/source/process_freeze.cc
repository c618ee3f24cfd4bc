#include "source/process_freeze.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "source/process_memory.h"

namespace vmcorefs {
namespace {

// A process adding threads faster than they can be seized is not one to freeze.
constexpr int max_rounds = 1000;

std::string process_name(pid_t pid)
{
	return "process " + std::to_string(pid);
}

} // namespace

Result<std::unique_ptr<ProcessFreeze>> ProcessFreeze::freeze(pid_t pid)
{
	std::unique_ptr<ProcessFreeze> freeze(new ProcessFreeze(pid));
	for (int round = 0; round < max_rounds; round++) {
		auto added = freeze->seize_new_threads();
		if (!added)
			return added.take_error(); // the destructor lets the seized threads go
		if (!*added)
			return freeze;
	}
	return make_error(ErrorCode::unsupported, process_name(pid),
			  "it creates threads faster than they can be stopped");
}

// Seizes and stops the threads not yet held; false when there were none.
Result<bool> ProcessFreeze::seize_new_threads()
{
	std::string tasks = "/proc/" + std::to_string(pid_) + "/task";
	std::error_code ec;
	std::filesystem::directory_iterator it(tasks, ec);
	if (ec)
		return make_error(ErrorCode::io, process_name(pid_), "no such process");
	bool added = false;
	for (const auto &entry : it) {
		pid_t tid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
		if (std::any_of(threads_.begin(), threads_.end(),
				[tid](const Thread &t) { return t.tid == tid; }))
			continue;
		if (ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) {
			if (errno == ESRCH)
				continue; // the thread has exited meanwhile
			if (errno == EPERM && geteuid() == 0)
				return make_error(
					ErrorCode::io, process_name(pid_),
					"cannot freeze thread " + std::to_string(tid) +
						": another tracer (gdb, strace?) holds it");
			if (errno == EPERM)
				return make_error(
					ErrorCode::io, process_name(pid_),
					"cannot freeze thread " + std::to_string(tid) +
						": another tracer (gdb, strace?) holds it, or " +
						ptrace_permission_hint(pid_));
			return make_io_error(process_name(pid_),
					     "cannot freeze thread " + std::to_string(tid), errno);
		}
		Thread thread{tid, 0};
		if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) == 0) {
			int status = 0;
			pid_t waited;
			while ((waited = waitpid(tid, &status, __WALL)) < 0 && errno == EINTR) {
			}
			// Stopped for a signal, not by the interrupt: it is delivered on release.
			if (waited == tid && WIFSTOPPED(status) &&
			    status >> 16 != PTRACE_EVENT_STOP && WSTOPSIG(status) != SIGTRAP)
				thread.signal = WSTOPSIG(status);
		}
		threads_.push_back(thread);
		added = true;
	}
	return added;
}

ProcessFreeze::~ProcessFreeze()
{
	for (const Thread &t : threads_)
		ptrace(PTRACE_DETACH, t.tid, nullptr,
		       reinterpret_cast<void *>(static_cast<long>(t.signal)));
}

} // namespace vmcorefs
