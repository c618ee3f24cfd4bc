// Which QEMU wrote the core and what it was running: its version (from the executable's own
// version banner), the machine type (QOM type of current_machine) and the accelerator.
#pragma once

#include <string>

#include "qemu/qemu_reader.h"

namespace vmcorefs {

struct QemuIdentity {
	std::string version;     // "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)", or "unknown"
	std::string machine;     // "pc-i440fx-7.2", or "unknown"
	std::string accelerator; // "tcg", "kvm", or "unknown"
};

// Never fails: what cannot be read is "unknown" (and said in warnings by the caller).
QemuIdentity read_qemu_identity(QemuReader &reader);

} // namespace vmcorefs
