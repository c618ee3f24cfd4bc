// vmcorefs CORE MOUNTPOINT, vmcorefs --pid=PID MOUNTPOINT: become the daemon, (freeze,) load the
// guest, lay out the files, mount, detach, serve.
#include <memory>
#include <optional>

#include "cli.h"
#include "daemon.h"
#include "file_tree.h"
#include "fuse_mount.h"
#include "guest_report.h"
#include "log.h"
#include "source/process_freeze.h"

namespace vmcorefs {
int run_mount(const Options &options)
{
	std::optional<Daemon> daemon;
	if (!options.foreground) {
		auto started = Daemon::start();
		if (!started)
			return fail(started.error());
		daemon = *started;
	}
	// Held until the daemon stops serving: the daemon's main thread is the tracer.
	auto frozen = freeze_if_asked(options);
	if (!frozen)
		return fail(frozen.error());
	auto guest = load_guest(options.load);
	if (!guest)
		return fail(guest.error());
	auto report = std::make_shared<GuestReport>(*guest);
	TreeTexts texts{[report] { return report->info(); },
			[report] { return report->info_json(); },
			[report] { return report->dmesg(); }};
	auto tree = FileTree::build(guest->map, guest->core->source(), std::move(texts));
	if (!tree)
		return fail(tree.error());
	report_guest(*guest, tree->warnings());

	MountSettings settings{options.mountpoint,
			       options.fuse_options,
			       options.debug,
			       options.world_readable,
			       options.readahead_kib.value_or(default_readahead_kib),
			       options.readahead_kib.has_value(),
			       options.keep_core_cache};
	auto mount = FuseMount::mount(*tree, guest->core->source(), settings);
	if (!mount)
		return fail(mount.error());
	// The mount is usable from here on, so the command may now return to the shell; the
	// daemon goes on serving.
	if (daemon) {
		daemon->detach();
		log_to_syslog();
	}
	auto served = (*mount)->serve();
	if (!served) {
		log_line(served.error().to_string());
		return exit_failure;
	}
	return exit_ok;
}

} // namespace vmcorefs
