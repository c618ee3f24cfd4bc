// Where a walk's QemuFacts come from: the profile the user names (--profile), else a profile
// cached for the executable's build-id, else one installed with vmcorefs for that build-id
// (unless --debuginfo names DWARF), else QEMU's DWARF (debug_info.h), whose facts are cached once
// a walk with them has succeeded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "facts/debug_info.h"
#include "facts/qemu_facts.h"
#include "source/load_options.h"
#include "source/process_core.h"

namespace vmcorefs {

struct FoundFacts {
	QemuFacts facts;
	uint64_t load_bias = 0;           // where the executable is loaded: the globals' base
	std::unique_ptr<DebugInfo> debug; // when the facts came from DWARF
	std::vector<std::string> details; // for `--info -v`: where they came from
};

// Errors: those of DebugInfo::open and read_profile; mismatch when a --profile (or a shipped
// profile under the core's build-id) describes another build than the core's; not_qemu when the
// core does not say where the executable is loaded.
Result<FoundFacts> find_facts(const ProcessCore &core, const LoadOptions &options);

// When this build has no layout of its own (find_facts failed with no_debug_info): the profiles
// shipped for other builds of the same QEMU version (major.minor; the same version string first),
// keyed to this build: their layouts, the globals' offsets from the dynamic symbols of this build's
// executable (options.executable or the one the core names, of the core's build-id), their
// statics unknown, facts.borrowed_from set. None when that executable cannot be read or exports
// too little. A walk with them must pass layout_checks.h's checks.
std::vector<FoundFacts> borrowed_facts(const ProcessCore &core, const LoadOptions &options);

// The facts of the QEMU executable options.executable, from its DWARF, without a core
// (--write-profile from a binary): nothing walks with them here, so they are only checked to
// describe a QEMU system emulator. Errors: those of DebugInfo::open_executable; not_qemu.
Result<QemuFacts> facts_of_executable(const LoadOptions &options);

// Once a walk with facts from DWARF succeeded: saves them in options.profile_cache, and says in
// found.details where, or why not.
void cache_facts(FoundFacts &found, const LoadOptions &options);

} // namespace vmcorefs
