// Appends one ELF note (Elf64_Nhdr, name with its NUL, descriptor, each padded to 4 bytes with
// zeros) to a buffer, as QEMU and Linux write them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace vmcorefs {

void append_elf_note(std::vector<std::byte> &out, std::string_view name, uint32_t type,
		     std::span<const std::byte> desc);

} // namespace vmcorefs
