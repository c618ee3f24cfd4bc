// vmcorefs: mount a crashed QEMU's process core as the guest's vmcore.
#include <cstdio>

#include "cli.h"

int main(int argc, char **argv)
{
	using namespace vmcorefs;
	auto options = parse_command_line(argc, argv);
	if (!options) {
		std::fprintf(stderr, "vmcorefs: %s\n", options.error().to_string().c_str());
		return exit_usage;
	}
	switch (options->mode) {
	case Mode::help:
		print_help("vmcorefs");
		return exit_ok;
	case Mode::version:
		std::printf("vmcorefs " VMCOREFS_VERSION "\n");
		return exit_ok;
	case Mode::info:
		return run_info(*options);
	case Mode::extract:
		return run_extract(*options);
	case Mode::compare:
		return run_compare(*options);
	case Mode::mount:
		break;
	}
	return run_mount(*options);
}
