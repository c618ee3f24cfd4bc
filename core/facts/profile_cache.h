// The cache of layout profiles: after a walk with QEMU's DWARF, its facts are saved by build-id,
// and later runs on any core or process of that build read them instead of indexing the DWARF
// again (indexing is most of the time a mount takes). The directory and its entries are checked
// as private_cache.h says; an entry that is not vmcorefs's own, or that this vmcorefs cannot
// read (another version's, a damaged one), is passed over and replaced by the next save.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "facts/qemu_facts.h"

namespace vmcorefs {

// Where the profile of build_id lies in dir: the cache, or the profiles installed with vmcorefs.
std::string profile_path(const std::string &dir, const std::vector<uint8_t> &build_id);

// The cached facts of build_id in dir; nullopt when there are none that can be used, and then
// why in *why (empty when there simply is no entry).
std::optional<QemuFacts> cached_profile(const std::string &dir,
					const std::vector<uint8_t> &build_id, std::string *why);

// Saves facts under their build-id in dir (created if missing), whole or not at all. Errors: io,
// those of make_private_directory.
Result<void> save_profile(const std::string &dir, const QemuFacts &facts);

} // namespace vmcorefs
