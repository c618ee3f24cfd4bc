#include "fuse_mount.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <optional>
#include <string_view>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <thread>

#include "base/string_format.h"
#include "core_prefetch.h"
#include "log.h"
#include "stderr_capture.h"

namespace vmcorefs {
namespace {

std::vector<std::string> session_arguments(const MountSettings &settings)
{
	std::vector<std::string> args = {"vmcorefs", "-o",
					 "ro,default_permissions,fsname=vmcorefs,subtype=vmcorefs"};
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

// Mounting on a mount point stacks the new file system over the old one and hides it; a second
// vmcorefs over the first is never what was meant. Refuse, as for a busy mount point.
Result<void> check_not_mounted(const std::string &path)
{
	struct statx stx;
	if (statx(AT_FDCWD, path.c_str(), AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) != 0)
		return make_io_error(path, "cannot mount here", errno);
	bool mounted;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) {
		mounted = stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	} else { // before Linux 5.8: on another device than its parent, or the root
		struct stat parent;
		if (stat((path + "/..").c_str(), &parent) != 0)
			return make_io_error(path, "cannot mount here", errno);
		mounted = parent.st_dev != makedev(stx.stx_dev_major, stx.stx_dev_minor) ||
			  parent.st_ino == stx.stx_ino;
	}
	if (mounted)
		return make_error(ErrorCode::io, path,
				  "already a mount point; unmount it first (fusermount3 -u " +
					  path + ")");
	return {};
}

// The value of option name in the user's -o lists ("" for a flag), if it is there; the last one
// wins, as in libfuse.
std::optional<std::string> fuse_option(const std::vector<std::string> &fuse_options,
				       std::string_view name)
{
	std::optional<std::string> found;
	for (const std::string &list : fuse_options)
		for (size_t start = 0; start <= list.size();) {
			size_t comma = std::min(list.find(',', start), list.size());
			std::string_view option(list.data() + start, comma - start);
			if (option == name)
				found = "";
			else if (option.starts_with(name) && option[name.size()] == '=')
				found = std::string(option.substr(name.size() + 1));
			start = comma + 1;
		}
	return found;
}

// The permission bits of the mount's files: the core's read bits, or everyone's when asked.
Result<mode_t> file_mode(const MemorySource &core, const MountSettings &settings)
{
	if (settings.world_readable)
		return mode_t{0444};
	mode_t mode = core.opened().st_mode & 0444;
	if (fuse_option(settings.fuse_options, "allow_other") && (mode & 0044) == 0)
		return make_error(ErrorCode::usage, core.path(),
				  format("-o allow_other: the core (mode %04o) is readable by its "
					 "owner only, and so is the mount; add --world-readable to "
					 "let every user read the guest's memory",
					 core.opened().st_mode & 07777));
	return mode;
}

Error mount_error(const std::string &path, const std::string &what, const std::string &reason)
{
	return make_error(ErrorCode::io, path, reason.empty() ? what : what + ": " + reason);
}

} // namespace

Result<std::unique_ptr<FuseMount>> FuseMount::mount(const FileTree &tree, const MemorySource &core,
						    const MountSettings &settings)
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
	auto mode = file_mode(core, settings);
	if (!mode)
		return mode.take_error();
	m->context_.file_mode = *mode;
	// A process's memory never enters a page cache, and it is read without a mapping.
	if (!core.changing() && !core.bytes().empty()) {
		m->prefetch_ = std::make_unique<CorePrefetch>(core.fd(), core.bytes(),
							      !settings.keep_core_cache);
		m->context_.prefetch = m->prefetch_.get();
	}
	// libfuse fails INIT, and so the daemon, unless init() asks for the max_read of the mount
	// options: it is taken from there (libfuse has checked that it is a number).
	if (auto max_read = fuse_option(settings.fuse_options, "max_read"))
		m->context_.max_read =
			static_cast<unsigned>(std::strtoul(max_read->c_str(), nullptr, 0));
	VMCOREFS_TRY(check_not_mounted(m->mountpoint_));
	// libfuse and fusermount3 say why they fail on stderr: that becomes our one line.
	StderrCapture capture;
	m->session_ = new_session(settings, &m->context_);
	if (!m->session_) { // a bad -o option, say
		Error e =
			mount_error("", "cannot start a FUSE session", one_line(capture.finish()));
		e.code = ErrorCode::usage;
		return e;
	}
	// Before mounting, so that no signal can end the process between mounting and serving and
	// leave a mount without a daemon: a signal from here on makes serve() return at once.
	if (fuse_set_signal_handlers(m->session_) != 0)
		return make_error(ErrorCode::io, m->mountpoint_, "cannot install signal handlers");
	m->signal_handlers_ = true;
	if (fuse_session_mount(m->session_, m->mountpoint_.c_str()) != 0)
		return mount_error(m->mountpoint_, "cannot mount a FUSE file system",
				   one_line(capture.finish()));
	std::fputs(capture.finish().c_str(), stderr);
	// Now, before serve() answers INIT (mount_readahead.h). Only root may write the bdi: anyone
	// else keeps the kernel's window, which only a chosen --readahead is told about.
	m->context_.max_readahead = settings.readahead_kib * 1024;
	auto readahead = raise_mount_readahead(m->mountpoint_, settings.readahead_kib);
	if (!readahead && settings.readahead_given)
		log_line(readahead.error().to_string());
	return m;
}

FuseMount::~FuseMount()
{
	if (!session_)
		return;
	if (signal_handlers_)
		fuse_remove_signal_handlers(session_);
	fuse_session_unmount(session_);
	fuse_session_destroy(session_);
}

Result<void> FuseMount::serve()
{
	fuse_loop_config *config = fuse_loop_cfg_create();
	if (!config)
		return make_io_error(mountpoint_, "cannot start FUSE workers", ENOMEM);
	// Each worker reads requests from its own clone of /dev/fuse instead of all from one fd.
	fuse_loop_cfg_set_clone_fd(config, 1);
	fuse_loop_cfg_set_max_threads(config, worker_threads());
	int status = fuse_session_loop_mt(session_, config);
	fuse_loop_cfg_destroy(config);
	if (status < 0)
		return make_io_error(mountpoint_, "serving FUSE requests failed", -status);
	return {};
}

} // namespace vmcorefs
