// Saying so when QEMU's executable is no longer the one the core names. A core records the path
// of its executable (NT_FILE) and the executable's build-id; after an upgrade or a move that path
// holds another build or nothing. DebugInfo then finds the right binary by build-id (build-id
// trees below the debug directories, debuginfod) or takes --executable; this tells the user,
// in one line, that the recorded one was passed over and which file was used instead.
#pragma once

#include <optional>
#include <string>

#include "facts/debug_info.h"
#include "source/load_options.h"
#include "source/process_core.h"

namespace vmcorefs {

// A warning when the executable the core names is missing or has another build-id than the
// core's, and the executable was found elsewhere; nullopt when there is nothing to say (it is
// where the core says, the user named one with --executable, or the core records no build-id),
// and for a live process, whose running binary /proc/PID/exe always opens.
std::optional<std::string> moved_executable_warning(const ProcessCore &core,
						    const LoadOptions &options,
						    const DebugInfo &debug);

} // namespace vmcorefs
