// Reading the guest kernel's VMCOREINFO text, "KEY=VALUE\n" lines (Linux's crash_core.c and
// each architecture's arch_crash_save_vmcoreinfo write them). The kernel prints SYMBOL() and
// KERNELOFFSET in hex without a prefix, some NUMBER()s in hex with "0x", and NUMBER(), SIZE(),
// OFFSET() and LENGTH() otherwise in decimal (%ld: NUMBER(phys_base) may be negative).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vmcorefs {

// x86_64's __START_KERNEL_map, where the kernel image is mapped: an image address's physical
// address is vaddr - x86_64_start_kernel_map + NUMBER(phys_base).
inline constexpr uint64_t x86_64_start_kernel_map = 0xffffffff80000000;

// "VMCOREINFO has no KEY": what every reader of VMCOREINFO says of an entry it needs.
std::string vmcoreinfo_lacks(const std::string &key);

// The value of "KEY=" in VMCOREINFO text, if present.
std::optional<std::string> vmcoreinfo_value(const std::string &text, const std::string &key);

// KEY's value as a number in base 16 (with or without "0x") or 10 (signed, kept as its
// two's-complement bits); nullopt when absent, empty or not entirely a number.
std::optional<uint64_t> vmcoreinfo_number(const std::string &text, const std::string &key,
					  int base);

} // namespace vmcorefs
