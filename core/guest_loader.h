// The whole read side in one call: open the core, find QEMU's debug info, walk QEMU's structures,
// resolve guest memory against the core. Every front end (mount, --info, --extract, --compare)
// starts here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "error.h"
#include "guest_memory_map.h"
#include "load_options.h"
#include "process_core.h"

namespace vmcorefs {

struct LoadedGuest {
	std::unique_ptr<ProcessCore> core;
	GuestMemoryMap map;
	// For `--info -v`: where the debug info came from and which DWARF names matched.
	std::vector<std::string> details;
};

Result<LoadedGuest> load_guest(const LoadOptions &options);

class DebugInfo;
class DwarfTypes;
// load_guest's walk of QEMU's structures alone, for a core whose debug info is open already (the
// fuzz targets keep one DebugInfo for many cores).
Result<GuestMemoryMap> walk_guest(const ProcessCore &core, const DebugInfo &debug,
				  DwarfTypes &types);

} // namespace vmcorefs
