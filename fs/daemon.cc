#include "daemon.h"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vmcorefs {
namespace {

[[noreturn]] void wait_for_child(pid_t child, int ready_fd)
{
	char ready;
	ssize_t n;
	while ((n = read(ready_fd, &ready, 1)) < 0 && errno == EINTR) {
	}
	if (n == 1)
		_exit(0);
	// The child exited (or died) before the mount was usable: its status is ours.
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

} // namespace

Result<Daemon> Daemon::start()
{
	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC) != 0)
		return make_io_error("", "cannot create a pipe", errno);
	pid_t child = fork();
	if (child < 0)
		return make_io_error("", "cannot fork", errno);
	if (child > 0) {
		close(pipe_fds[1]);
		wait_for_child(child, pipe_fds[0]);
	}
	close(pipe_fds[0]);
	return Daemon(pipe_fds[1]);
}

void Daemon::detach()
{
	setsid();
	// Failing, the daemon only keeps its old cwd busy.
	(void)!chdir("/");
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	char ready = 0;
	while (write(ready_fd_, &ready, 1) < 0 && errno == EINTR) {
	}
	close(ready_fd_);
}

} // namespace vmcorefs
