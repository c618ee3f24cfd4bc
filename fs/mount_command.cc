// vmcorefs CORE MOUNTPOINT: load the guest, lay out the files, mount, detach, serve.
#include <cstdio>
#include <fuse_lowlevel.h>

#include "cli.h"
#include "file_tree.h"
#include "fuse_mount.h"
#include "info_render.h"
#include "log.h"

namespace vmcorefs {
int run_mount(const Options &options)
{
	auto guest = load_guest(options.load);
	if (!guest)
		return fail(guest.error());
	TreeTexts texts{render_info(*guest), render_info_json(*guest)};
	auto tree = FileTree::build(guest->map, guest->core->file(), std::move(texts));
	if (!tree)
		return fail(tree.error());
	report_guest(*guest, tree->warnings());

	MountSettings settings{options.mountpoint, options.fuse_options, options.debug,
			       options.world_readable};
	auto mount = FuseMount::mount(*tree, guest->core->file(), settings);
	if (!mount)
		return fail(mount.error());
	// The mount is usable from here on, so the command may now return to the shell; the
	// daemon (a child, detached) goes on serving.
	if (fuse_daemonize(options.foreground) != 0)
		return fail(make_error(ErrorCode::io, "", "cannot detach from the terminal"));
	if (!options.foreground)
		log_to_syslog();
	auto served = (*mount)->serve();
	if (!served) {
		log_line(served.error().to_string());
		return exit_failure;
	}
	return exit_ok;
}

} // namespace vmcorefs
