// The human-readable summary (MOUNTPOINT/info, `vmcorefs --info`) and its JSON twin
// (MOUNTPOINT/info.json) of a loaded guest.
#pragma once

#include <string>

#include "guest_loader.h"

namespace vmcorefs {

std::string render_info(const LoadedGuest &guest);
std::string render_info_json(const LoadedGuest &guest);

} // namespace vmcorefs
