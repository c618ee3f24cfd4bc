// The texts a mount serves about its guest (info, info.json, dmesg) and --info prints. They
// include what the guest kernel's log says, and reading the log costs reads of guest memory: the
// log is read once, on first use, so that a mount that nobody asks about pays nothing for it.
#pragma once

#include <mutex>
#include <string>

#include "kernel/kernel_log.h"
#include "load/guest_loader.h"

namespace vmcorefs {

class GuestReport {
public:
	// guest must outlive the report.
	explicit GuestReport(const LoadedGuest &guest) : guest_(guest) {}

	std::string info();
	std::string info_json();
	std::string dmesg();

private:
	const KernelLog &log();

	const LoadedGuest &guest_;
	std::once_flag read_once_;
	KernelLog log_;
};

} // namespace vmcorefs
