#include "cli.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <getopt.h>
#include <string>
#include <unistd.h>

#include "base/private_cache.h"
#include "mount_readahead.h"

namespace vmcorefs {
namespace {

enum LongOnly {
	opt_info = 256,
	opt_extract,
	opt_compare,
	opt_debuginfo,
	opt_executable,
	opt_debug_file_directory,
	opt_cache_dir,
	opt_world_readable,
	opt_pid,
	opt_freeze,
	opt_json,
	opt_readahead,
	opt_keep_core_cache,
	opt_profile,
	opt_write_profile,
	opt_vmcoreinfo_scan,
};

const struct option long_options[] = {
	{"help", no_argument, nullptr, 'h'},
	{"version", no_argument, nullptr, 'V'},
	{"verbose", no_argument, nullptr, 'v'},
	{"foreground", no_argument, nullptr, 'f'},
	{"debug", no_argument, nullptr, 'd'},
	{"info", no_argument, nullptr, opt_info},
	{"extract", required_argument, nullptr, opt_extract},
	{"compare", required_argument, nullptr, opt_compare},
	{"debuginfo", required_argument, nullptr, opt_debuginfo},
	{"executable", required_argument, nullptr, opt_executable},
	{"debug-file-directory", required_argument, nullptr, opt_debug_file_directory},
	{"cache-dir", required_argument, nullptr, opt_cache_dir},
	{"world-readable", no_argument, nullptr, opt_world_readable},
	{"pid", required_argument, nullptr, opt_pid},
	{"freeze", no_argument, nullptr, opt_freeze},
	{"json", no_argument, nullptr, opt_json},
	{"readahead", required_argument, nullptr, opt_readahead},
	{"keep-core-cache", no_argument, nullptr, opt_keep_core_cache},
	{"profile", required_argument, nullptr, opt_profile},
	{"write-profile", required_argument, nullptr, opt_write_profile},
	{"vmcoreinfo-scan", required_argument, nullptr, opt_vmcoreinfo_scan},
	{nullptr, 0, nullptr, 0},
};

Error usage_error(const std::string &message)
{
	return make_error(ErrorCode::usage, "", message + " (see vmcorefs --help)");
}

// A process ID, or 0 (refused by the caller) for anything else.
pid_t parse_pid(const char *text)
{
	char *end;
	errno = 0;
	long value = std::strtol(text, &end, 10);
	if (errno || end == text || *end || value <= 0 || value > INT_MAX)
		return 0;
	return static_cast<pid_t>(value);
}

// A --readahead size in KiB, or std::nullopt for anything else.
std::optional<unsigned> parse_readahead(const char *text)
{
	char *end;
	errno = 0;
	unsigned long value = std::strtoul(text, &end, 10);
	if (errno || end == text || *end || *text == '-' || value > max_readahead_kib)
		return std::nullopt;
	return static_cast<unsigned>(value);
}

// A --vmcoreinfo-scan limit in bytes ("all", or MiB), or 0 for anything else: "0" is refused too,
// as a scan that looks at nothing is no scan.
uint64_t parse_vmcoreinfo_scan(const char *text)
{
	if (std::string_view(text) == "all")
		return unlimited_vmcoreinfo_scan;
	char *end;
	errno = 0;
	unsigned long long mib = std::strtoull(text, &end, 10);
	if (errno || end == text || *end || *text == '-' || mib > (unlimited_vmcoreinfo_scan >> 20))
		return 0;
	return static_cast<uint64_t>(mib) << 20;
}

// Applies one option; false for an option getopt itself rejected.
bool apply_option(int c, Options &o)
{
	switch (c) {
	case 'h': o.mode = Mode::help; break;
	case 'V': o.mode = Mode::version; break;
	case 'v': o.verbose = true; break;
	case 'f': o.foreground = true; break;
	case 'd': o.debug = o.foreground = true; break;
	case 'o': o.fuse_options.emplace_back(optarg); break;
	case opt_info: o.mode = Mode::info; break;
	case opt_extract:
		o.mode = Mode::extract;
		o.extract_path = optarg;
		break;
	case opt_compare:
		o.mode = Mode::compare;
		o.compare_path = optarg;
		break;
	case opt_debuginfo: o.load.debuginfo = optarg; break;
	case opt_executable: o.load.executable = optarg; break;
	case opt_debug_file_directory: o.load.debug_dirs.emplace_back(optarg); break;
	case opt_cache_dir: o.cache_dir = optarg; break;
	case opt_world_readable: o.world_readable = true; break;
	case opt_pid: o.load.pid = parse_pid(optarg); break;
	case opt_freeze: o.freeze = true; break;
	case opt_json: o.json = true; break;
	case opt_readahead: o.readahead_kib = parse_readahead(optarg); break;
	case opt_keep_core_cache: o.keep_core_cache = true; break;
	case opt_profile: o.load.profile = optarg; break;
	case opt_write_profile:
		o.mode = Mode::write_profile;
		o.profile_path = optarg;
		break;
	case opt_vmcoreinfo_scan:
		o.load.vmcoreinfo_scan_limit = parse_vmcoreinfo_scan(optarg);
		break;
	default: return false;
	}
	return true;
}

// The layout profiles installed with vmcorefs: PREFIX/share/vmcorefs/profiles for
// PREFIX/bin/vmcorefs, wherever the tree was installed (the build tree's fs/vmcorefs has them in
// BUILD/share too).
std::string shipped_profile_dir()
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe);
	if (n <= 0 || n == sizeof exe)
		return "";
	std::string path(exe, static_cast<size_t>(n));
	std::string bin = path.substr(0, path.rfind('/'));
	return bin.substr(0, bin.rfind('/')) + "/share/vmcorefs/profiles";
}

} // namespace

Result<Options> parse_command_line(int argc, char **argv)
{
	Options o;
	int modes = 0;
	optind = 1;
	opterr = 0; // we print the one error line ourselves
	for (int c; (c = getopt_long(argc, argv, "hVvfdo:", long_options, nullptr)) != -1;) {
		if (!apply_option(c, o))
			return usage_error(std::string("unknown or incomplete option '") +
					   argv[optind - 1] + "'");
		modes += c == opt_info || c == opt_extract || c == opt_compare ||
			 c == opt_write_profile;
		if (c == opt_pid && !o.load.pid)
			return usage_error(std::string("--pid needs a process ID, not '") + optarg +
					   "'");
		if (c == opt_readahead && !o.readahead_kib)
			return usage_error("--readahead needs a size in KiB from 0 to " +
					   std::to_string(max_readahead_kib) + ", not '" + optarg +
					   "'");
		if (c == opt_vmcoreinfo_scan && !o.load.vmcoreinfo_scan_limit)
			return usage_error(
				std::string("--vmcoreinfo-scan needs a size in MiB above 0 "
					    "or 'all', not '") +
				optarg + "'");
	}
	if (o.mode == Mode::help || o.mode == Mode::version)
		return o;
	if (modes > 1)
		return usage_error(
			"--info, --extract, --compare and --write-profile exclude each other");
	if (o.freeze && !o.load.pid)
		return usage_error("--freeze needs --pid");
	if (o.json && o.mode != Mode::info)
		return usage_error("--json goes with --info");
	if (o.json && o.verbose)
		return usage_error("--json and --verbose exclude each other");
	if (o.readahead_kib && o.mode != Mode::mount)
		return usage_error("--readahead goes with a mount");
	if (o.keep_core_cache && o.mode != Mode::mount)
		return usage_error("--keep-core-cache goes with a mount");
	if (o.load.debug_dirs.empty())
		o.load.debug_dirs.emplace_back("/usr/lib/debug");
	// Set and empty: no cache (the test suite's default, so that each test walks with the
	// debug info it names).
	const char *cache = std::getenv("VMCOREFS_PROFILE_CACHE");
	o.load.profile_cache = cache ? cache : default_cache_dir("profiles");
	o.load.shipped_profiles = shipped_profile_dir();
	// The guest comes from CORE, or with --pid from the live process, which takes its place;
	// --write-profile may read a QEMU binary (--executable) alone.
	int positional = argc - optind;
	bool binary_only = o.mode == Mode::write_profile && !o.load.pid &&
			   !o.load.executable.empty() && positional == 0;
	int source = o.load.pid || binary_only ? 0 : 1;
	int wanted = source + (o.mode == Mode::mount ? 1 : 0);
	if (positional != wanted) {
		if (o.load.pid)
			return usage_error(o.mode == Mode::mount
						   ? "expected MOUNTPOINT (with --pid, no CORE)"
						   : "expected no CORE with --pid");
		return usage_error(o.mode == Mode::mount ? "expected CORE and MOUNTPOINT"
							 : "expected exactly one CORE");
	}
	if (source)
		o.load.core_path = argv[optind];
	if (o.mode == Mode::mount)
		o.mountpoint = argv[optind + source];
	return o;
}

void print_help(const char *argv0)
{
	std::printf(
		"Usage: %s [OPTIONS] CORE MOUNTPOINT\n"
		"       %s [OPTIONS] --pid=PID MOUNTPOINT\n"
		"       %s --info [-v | --json] CORE | --pid=PID\n"
		"       %s --extract=FILE CORE | --pid=PID\n"
		"       %s --compare=REF.vmcore CORE | --pid=PID\n"
		"       %s --write-profile=FILE CORE | --pid=PID | --executable=QEMU\n"
		"\n"
		"Mount the guest memory of a crashed QEMU's process core, or of a running or hung\n"
		"QEMU process, as an ELF vmcore that crash, drgn, gdb and makedumpfile read. CORE may\n"
		"be compressed with zstd, lz4 or xz (as systemd-coredump stores cores): it is\n"
		"decompressed once into a cache and reused.\n"
		"\n"
		"Files in the mount:\n"
		"  guest.vmcore           the guest's ELF vmcore (notes, one PT_LOAD per RAM block)\n"
		"  blocks/START-END       raw bytes of each guest-physical block (hex, END exclusive)\n"
		"  ramblocks/NAME         each QEMU RAMBlock's host bytes (\"/\" in NAME is %%2F)\n"
		"  info, info.json        what --info prints, as text and as JSON\n"
		"  dmesg                  the guest kernel's log, read with its VMCOREINFO (no\n"
		"                         vmlinux needed), as makedumpfile --dump-dmesg prints it\n"
		"\n"
		"Modes:\n"
		"  --info                 print QEMU version, machine, accelerator, the guest\n"
		"                         kernel's release and panic line, guest blocks, RAM\n"
		"                         blocks and absent memory; do not mount\n"
		"  --extract=FILE         write guest.vmcore to FILE (sparse); do not mount\n"
		"  --compare=REF.vmcore   compare what would be served with a vmcore QEMU wrote;\n"
		"                         exit 0 when they agree, 3 when they differ\n"
		"  --write-profile=FILE   write QEMU's layout profile (what vmcorefs reads of its\n"
		"                         debug info) to FILE, for --profile where there is none;\n"
		"                         from a core, a process, or a binary (--executable alone)\n"
		"\n"
		"A live QEMU:\n"
		"  --pid=PID              read the guest from QEMU process PID instead of a core; it\n"
		"                         goes on running, and each read gives its memory at that\n"
		"                         moment (needs the right to ptrace it)\n"
		"  --freeze               with --pid: stop every thread of QEMU while mounted (or\n"
		"                         while --info, --extract or --compare runs), for a\n"
		"                         consistent view; QEMU runs again on unmount, also if\n"
		"                         vmcorefs dies\n"
		"\n"
		"Debug info (QEMU's DWARF):\n"
		"  --debuginfo=PATH       file holding QEMU's debug info\n"
		"  --executable=PATH      QEMU's binary, when it is no longer where the core says\n"
		"  --debug-file-directory=DIR\n"
		"                         where build-id trees and .gnu_debuglink files are looked\n"
		"                         up (repeatable; default /usr/lib/debug)\n"
		"  --profile=FILE         QEMU's layout from a profile (--write-profile) instead of\n"
		"                         its debug info; it must name the core's QEMU build-id\n"
		"\n"
		"Compressed cores:\n"
		"  --cache-dir=DIR        where decompressed cores are kept (default\n"
		"                         $XDG_CACHE_HOME/vmcorefs/cores or ~/.cache/vmcorefs/cores)\n"
		"\n"
		"Mounting:\n"
		"  -f, --foreground       stay in the foreground\n"
		"  -d, --debug            print FUSE requests (implies -f)\n"
		"  -o OPT[,OPT...]        FUSE mount options, e.g. allow_other\n"
		"  --world-readable       files readable by every user (mode 0444); by default\n"
		"                         they have the core's owner and read permissions\n"
		"  --readahead=KIB        how far the kernel reads ahead in the mount's files, and\n"
		"                         so the size of its READs (default 1024; raising it above\n"
		"                         the kernel's 128 needs root)\n"
		"  --keep-core-cache      keep the core's pages that a sequential read of the mount\n"
		"                         brought into the page cache; by default they are dropped\n"
		"                         once served, as the mount's files cache the same bytes\n"
		"\n"
		"Other:\n"
		"  -v, --verbose          with --info: where QEMU's layout came from (debug info,\n"
		"                         profile), the names of QEMU's that matched\n"
		"  --json                 with --info: print info.json instead\n"
		"  --vmcoreinfo-scan=MIB  how much of guest RAM's data to search for the guest\n"
		"                         kernel's VMCOREINFO when QEMU's vmcoreinfo device does\n"
		"                         not say where it is (default 1024; all: no limit)\n"
		"  -h, --help             this text\n"
		"  -V, --version          version\n"
		"\n"
		"Environment:\n"
		"  DEBUGINFOD_URLS        debuginfod servers asked for QEMU's executable and DWARF\n"
		"  XDG_CACHE_HOME, HOME   where the default --cache-dir and profile cache lie\n"
		"  VMCOREFS_PROFILE_CACHE where layout profiles are cached by build-id (default\n"
		"                         $XDG_CACHE_HOME/vmcorefs/profiles); empty: no cache\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage error, 3 vmcores differ (--compare).\n"
		"\n"
		"Example:\n"
		"  %s core.1234 /mnt/vm\n"
		"  crash vmlinux /mnt/vm/guest.vmcore\n"
		"  drgn -c /mnt/vm/guest.vmcore -s vmlinux\n"
		"  makedumpfile -c -d 31 -x vmlinux /mnt/vm/guest.vmcore guest.kdump\n"
		"  fusermount3 -u /mnt/vm\n"
		"  %s --pid=$(pidof qemu-system-x86_64) /mnt/vm\n"
		"See vmcorefs(1).\n",
		argv0, argv0, argv0, argv0, argv0, argv0, argv0, argv0);
}

} // namespace vmcorefs
