#include "fuse_mount.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fuse_lowlevel.h>
#include <thread>

namespace vmcorefs {
namespace {

std::vector<std::string> session_arguments(const MountSettings &settings)
{
	std::vector<std::string> args = {
		"vmcorefs", "-o", "ro,default_permissions,fsname=vmcorefs,subtype=vmcorefs"};
	for (const std::string &option : settings.fuse_options) {
		args.push_back("-o");
		args.push_back(option);
	}
	if (settings.debug)
		args.push_back("-d");
	return args;
}

fuse_session *new_session(const MountSettings &settings, ServeContext *context)
{
	std::vector<std::string> args = session_arguments(settings);
	std::vector<char *> argv;
	for (std::string &arg : args)
		argv.push_back(arg.data());
	fuse_args fuse_argv = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
	const fuse_lowlevel_ops &ops = fuse_operations();
	fuse_session *session = fuse_session_new(&fuse_argv, &ops, sizeof ops, context);
	fuse_opt_free_args(&fuse_argv);
	return session;
}

// Workers block inside the kernel while it faults core pages in from disk, so a few more of
// them than CPUs keep a cold disk busy; libfuse starts them only as requests queue up.
unsigned worker_threads()
{
	return std::clamp(2 * std::thread::hardware_concurrency(), 4u, 16u);
}

} // namespace

Result<std::unique_ptr<FuseMount>>
FuseMount::mount(const FileTree &tree, const MappedFile &core, const MountSettings &settings)
{
	// Absolute, because a daemon works from "/" and unmounts by path.
	char *real = realpath(settings.mountpoint.c_str(), nullptr);
	if (!real)
		return make_io_error(settings.mountpoint, "cannot mount here", errno);
	std::unique_ptr<FuseMount> m(new FuseMount);
	m->mountpoint_ = real;
	std::free(real);
	m->context_.tree = &tree;
	m->context_.core = &core;
	if (fstat(core.fd(), &m->context_.core_stat) != 0)
		return make_io_error(core.path(), "cannot stat", errno);
	m->session_ = new_session(settings, &m->context_);
	if (!m->session_) // libfuse has said why on stderr
		return make_error(ErrorCode::usage, "", "cannot start a FUSE session");
	if (fuse_session_mount(m->session_, m->mountpoint_.c_str()) != 0)
		return make_error(ErrorCode::io, m->mountpoint_, "cannot mount a FUSE file system");
	return m;
}

FuseMount::~FuseMount()
{
	if (!session_)
		return;
	fuse_session_unmount(session_);
	fuse_session_destroy(session_);
}

Result<void> FuseMount::serve()
{
	if (fuse_set_signal_handlers(session_) != 0)
		return make_error(ErrorCode::io, mountpoint_, "cannot install signal handlers");
	fuse_loop_config *config = fuse_loop_cfg_create();
	if (!config)
		return make_io_error(mountpoint_, "cannot start FUSE workers", ENOMEM);
	// Each worker reads requests from its own clone of /dev/fuse instead of all from one fd.
	fuse_loop_cfg_set_clone_fd(config, 1);
	fuse_loop_cfg_set_max_threads(config, worker_threads());
	int status = fuse_session_loop_mt(session_, config);
	fuse_loop_cfg_destroy(config);
	fuse_remove_signal_handlers(session_);
	if (status < 0)
		return make_io_error(mountpoint_, "serving FUSE requests failed", -status);
	return {};
}

} // namespace vmcorefs
