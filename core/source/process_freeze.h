// ProcessFreeze: every thread of a live process held still with ptrace, for a consistent view of
// a running QEMU (vmcorefs --pid --freeze). Each thread is seized (PTRACE_SEIZE) and interrupted
// (PTRACE_INTERRUPT), and /proc/PID/task is listed again until no thread is new, so that threads
// created meanwhile are caught too. Nothing else of the process changes: no signal is sent, so no
// SIGSTOP that would outlive vmcorefs. The process runs again when the freeze is destroyed (each
// thread detached) and also when vmcorefs dies, however it dies: the kernel detaches a dead
// tracer's threads, and a thread in this kind of stop then simply resumes.
//
// ptrace binds each thread to the tracing thread: the thread that freezes must be the one that
// destroys the freeze, and must live as long as it.
#pragma once

#include <memory>
#include <sys/types.h>
#include <vector>

#include "base/error.h"

namespace vmcorefs {

class ProcessFreeze {
public:
	// Errors: io (no such process, permission: with what would allow it; a thread
	// another tracer, such as gdb, holds).
	static Result<std::unique_ptr<ProcessFreeze>> freeze(pid_t pid);
	~ProcessFreeze();
	ProcessFreeze(const ProcessFreeze &) = delete;
	ProcessFreeze &operator=(const ProcessFreeze &) = delete;

	size_t threads() const { return threads_.size(); }

private:
	struct Thread {
		pid_t tid;
		int signal; // a signal the thread stopped for, delivered when it is let go
	};
	explicit ProcessFreeze(pid_t pid) : pid_(pid) {}
	Result<bool> seize_new_threads();

	pid_t pid_;
	std::vector<Thread> threads_;
};

} // namespace vmcorefs
