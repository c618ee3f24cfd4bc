// The guest kernel's VMCOREINFO note, which crash and drgn need to find a KASLR kernel. First
// from QEMU's vmcoreinfo device (-device vmcoreinfo; the guest's qemu_fw_cfg driver wrote where
// the note is), validated as dump-guest-memory validates it; otherwise by scanning guest RAM for
// the kernel's page-aligned note ({11, descsz, 0, "VMCOREINFO"} then "OSRELEASE="), where it is
// likely first and up to scan_limit bytes of guest data (vmcoreinfo_scan.h).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "qemu/guest_memory_map.h"
#include "qemu/qemu_reader.h"

namespace vmcorefs {

struct Vmcoreinfo {
	std::vector<std::byte> note; // the whole ELF note, as it goes into PT_NOTE; empty if none
	std::string source;          // where it came from, for `info`
	std::string text;            // the descriptor, "KEY=VALUE\n" lines
};

// Never fails: a missing or invalid note is reported in warnings and yields an empty note.
Vmcoreinfo find_vmcoreinfo(QemuReader &reader, const GuestMemoryMap &map, uint64_t scan_limit,
			   std::vector<std::string> &warnings);

} // namespace vmcorefs
