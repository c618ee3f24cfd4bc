// Where the guest kernel keeps its VMCOREINFO note, read from the kernel's own variables rather
// than by searching guest RAM, whose cost grows with the RAM a guest has used. Linux 4.13 and
// later allocate the note at boot and keep its address in vmcoreinfo_note, beside
// vmcoreinfo_size (the text's length, at most a page) and vmcoreinfo_data (the text's own page):
// three words of the kernel image's writable data. Without the kernel's symbols, that shape is
// looked for in the image's writable pages (tens of MiB, whatever the guest's RAM): two
// page-aligned addresses of the kernel's direct map with a size of at most a page between them.
// What is found is only where to look: the caller takes a page for the note only if it holds one,
// so a word that merely looks the part costs one read and nothing else.
// x86_64 only, from a vCPU's CR3: the kernel image lies in [__START_KERNEL_map, + 1 GiB)
// wherever KASLR moved it inside.
#pragma once

#include <cstdint>
#include <functional>

#include "kernel/kernel_memory.h"

namespace vmcorefs {

// Offers the guest-physical address of each page the image's words point at as a note or text
// page, from the top of the image down, until `candidate` returns true. Under page-table isolation
// a vCPU in user mode holds the user copy of the tables (CR3 bit 12 set), which lacks the image's
// data: the kernel's copy, the page below, is searched first (and the tables CR3 names after it,
// in case it was a kernel's own at an odd page). Pages the core lacks are passed over.
void for_each_vmcoreinfo_pointer(X86_64Paging paging, const PhysicalReader &physical,
				 const std::function<bool(uint64_t paddr)> &candidate);

} // namespace vmcorefs
