// The guest kernel's VMCOREINFO note, which crash and drgn need to find a KASLR kernel. First
// from QEMU's vmcoreinfo device (-device vmcoreinfo; the guest's qemu_fw_cfg driver wrote where
// the note is), validated as dump-guest-memory validates it; otherwise where the guest kernel's
// own variables point (kernel/vmcoreinfo_pointer.h), or by scanning guest RAM for the kernel's
// page-aligned note ({11, descsz, 0, "VMCOREINFO"} then "OSRELEASE="), where it is likely first
// and up to scan_limit bytes of guest data (vmcoreinfo_scan.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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

// Guest-physical pages where the note is likely (where the guest kernel's own variables say it
// is), offered one by one to `try_page` until it returns true: it found the note there.
using LikelyNotePages = std::function<void(const std::function<bool(uint64_t paddr)> &try_page)>;

// Never fails: a missing or invalid note is reported in warnings and yields an empty note.
// Without the device, the likely pages (if any) are looked at before guest RAM is scanned.
Vmcoreinfo find_vmcoreinfo(QemuReader &reader, const GuestMemoryMap &map, uint64_t scan_limit,
			   const LikelyNotePages &likely, std::vector<std::string> &warnings);

} // namespace vmcorefs
