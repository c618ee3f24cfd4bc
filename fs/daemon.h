// Becoming the daemon that serves a mount, before the mount is made. vmcorefs forks first, and the
// child does all the work (freezing a live QEMU, loading, mounting) and serves: the process that
// holds a ptrace freeze must be the one that stays, and errors must still reach the terminal. The
// parent waits, and exits with the child's status: 0 once the mount is usable, else the status
// the child failed with (its error line went to the shared stderr).
#pragma once

#include "base/error.h"

namespace vmcorefs {

class Daemon {
public:
	// Forks. Returns in the child only; the parent waits for it and exits. Errors (no fork):
	// io.
	static Result<Daemon> start();

	// The mount is usable: leave the terminal and the session (stdio to /dev/null, setsid,
	// cwd /) and let the parent exit 0.
	void detach();

private:
	explicit Daemon(int ready_fd) : ready_fd_(ready_fd) {}
	int ready_fd_;
};

} // namespace vmcorefs
