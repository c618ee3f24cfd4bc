// The whole read side in one call: open the core, find QEMU's layout (facts_source.h), walk
// QEMU's structures, resolve guest memory against the core. Every front end (mount, --info,
// --extract, --compare) starts here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "facts/qemu_facts.h"
#include "qemu/guest_memory_map.h"
#include "source/load_options.h"
#include "source/process_core.h"

namespace vmcorefs {

struct LoadedGuest {
	std::unique_ptr<ProcessCore> core;
	GuestMemoryMap map;
	// For `--info -v`: where the debug info or profile came from and which names matched.
	std::vector<std::string> details;
	// What the walk knew of QEMU's layout (for --write-profile).
	QemuFacts facts;
};

Result<LoadedGuest> load_guest(const LoadOptions &options);

// load_guest's walk of QEMU's structures alone, with facts found already (the fuzz targets keep
// one set for many cores); load_bias: where QEMU's executable is loaded in the core.
Result<GuestMemoryMap> walk_guest(const ProcessCore &core, const QemuFacts &facts,
				  uint64_t load_bias,
				  uint64_t vmcoreinfo_scan_limit = default_vmcoreinfo_scan_limit);

} // namespace vmcorefs
