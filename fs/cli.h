// The command line: one parser, one Options value, one function per mode.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "load/guest_loader.h"
#include "source/process_freeze.h"

namespace vmcorefs {

enum class Mode { mount, info, extract, compare, write_profile, help, version };

struct Options {
	Mode mode = Mode::mount;
	LoadOptions load;
	std::string mountpoint;
	std::string extract_path;    // --extract=FILE
	std::string compare_path;    // --compare=REF.vmcore
	std::string profile_path;    // --write-profile=FILE
	std::string cache_dir;       // --cache-dir: where compressed cores are decompressed
	bool foreground = false;     // -f
	bool debug = false;          // -d: FUSE debug output, implies -f
	bool verbose = false;        // -v
	bool json = false;           // --json: --info prints info.json
	bool world_readable = false; // --world-readable
	bool freeze = false;         // --freeze: hold every thread of the --pid process
	std::optional<unsigned> readahead_kib; // --readahead=KIB
	bool keep_core_cache = false;          // --keep-core-cache (core_prefetch.h)
	std::vector<std::string> fuse_options; // -o, passed to FUSE
};

// Exit codes, as the man page documents them.
enum ExitCode : int {
	exit_ok = 0,
	exit_failure = 1, // the input could not be understood or the operation failed
	exit_usage = 2,   // bad command line
	exit_differ = 3,  // --compare: the vmcores differ
};

// Parses argv; on a usage error prints one line and returns std::nullopt via ok()==false.
Result<Options> parse_command_line(int argc, char **argv);
void print_help(const char *argv0);

// With --freeze, every thread of the --pid process stopped until the result is destroyed, by the
// thread that called this (ptrace's rule); else nothing.
Result<std::unique_ptr<ProcessFreeze>> freeze_if_asked(const Options &options);

int run_info(const Options &options);
int run_mount(const Options &options);
int run_extract(const Options &options);
int run_compare(const Options &options);
int run_write_profile(const Options &options);

} // namespace vmcorefs
