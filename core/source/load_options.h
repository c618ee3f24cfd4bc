// What the command line tells the read side: where the guest is (a core or a live process) and
// where QEMU's executable and debug info are, when they are not where the core says.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <sys/types.h>
#include <vector>

namespace vmcorefs {

// How many bytes of guest data the search for VMCOREINFO in guest RAM looks at, unless told.
constexpr uint64_t default_vmcoreinfo_scan_limit = uint64_t{1} << 30;
constexpr uint64_t unlimited_vmcoreinfo_scan = std::numeric_limits<uint64_t>::max();

struct LoadOptions {
	std::string core_path;
	pid_t pid = 0;          // --pid: a live QEMU instead of a core (0: none)
	std::string executable; // --executable: QEMU's binary, if not where the core says
	std::string debuginfo;  // --debuginfo: a file holding QEMU's DWARF
	std::vector<std::string> debug_dirs; // --debug-file-directory; default /usr/lib/debug
	std::string profile;       // --profile: QEMU's layout from this file, not from DWARF
	std::string profile_cache; // where layout profiles are cached by build-id; empty: nowhere
	std::string shipped_profiles; // profiles installed with vmcorefs, by build-id; empty: none
	uint64_t vmcoreinfo_scan_limit = default_vmcoreinfo_scan_limit; // --vmcoreinfo-scan
	// When set, receives LoadedGuest::details also when the walk of QEMU's structures fails, so
	// that `--info -v` on an unknown QEMU shows which names matched before the one that did
	// not.
	std::vector<std::string> *details = nullptr;
};

} // namespace vmcorefs
