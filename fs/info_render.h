// The human-readable summary (MOUNTPOINT/info, `vmcorefs --info`) and its JSON twin
// (MOUNTPOINT/info.json, `vmcorefs --info --json`) of a loaded guest and its kernel's log.
#pragma once

#include <string>

#include "kernel/kernel_log.h"
#include "load/guest_loader.h"

namespace vmcorefs {

std::string render_info(const LoadedGuest &guest, const KernelLog &log);
std::string render_info_json(const LoadedGuest &guest, const KernelLog &log);

} // namespace vmcorefs
