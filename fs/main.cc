// vmcorefs: mount a crashed QEMU's process core, or a live QEMU, as the guest's vmcore.
#include <cstdio>

#include "cli.h"
#include "compressed_core.h"
#include "log.h"
#include "mountpoint_check.h"
#include "output_file.h"

int main(int argc, char **argv)
{
	using namespace vmcorefs;
	auto options = parse_command_line(argc, argv);
	if (!options)
		return fail(options.error());
	switch (options->mode) {
	case Mode::help: print_help("vmcorefs"); return exit_ok;
	case Mode::version: std::printf("vmcorefs " VMCOREFS_VERSION "\n"); return exit_ok;
	default: break;
	}
	// Before the long part (decompressing, loading debug info): a mount point that cannot be
	// used, such as a dead daemon's, or an --extract target that must not be written, is
	// reported at once.
	if (options->mode == Mode::mount)
		if (auto usable = check_mountpoint(options->mountpoint); !usable)
			return fail(usable.error());
	const LoadOptions &load = options->load;
	std::vector<std::string> inputs{load.core_path, load.executable, load.debuginfo,
					load.profile};
	if (options->mode == Mode::extract)
		if (auto usable = check_output_target(options->extract_path, inputs, "--extract");
		    !usable)
			return fail(usable.error());
	if (options->mode == Mode::write_profile)
		if (auto usable =
			    check_output_target(options->profile_path, inputs, "--write-profile");
		    !usable)
			return fail(usable.error());
	if (!load.core_path.empty()) {
		auto core = uncompressed_core(load.core_path, options->cache_dir);
		if (!core)
			return fail(core.error());
		options->load.core_path = *core;
	}
	if (options->mode == Mode::mount)
		return run_mount(*options); // it freezes, if asked, in the daemon
	auto frozen = freeze_if_asked(*options);
	if (!frozen)
		return fail(frozen.error());
	switch (options->mode) {
	case Mode::info: return run_info(*options);
	case Mode::extract: return run_extract(*options);
	case Mode::write_profile: return run_write_profile(*options);
	default: return run_compare(*options);
	}
}
