// ELF notes (Elf64_Nhdr: namesz, descsz, type; the name with its NUL, then the descriptor, each
// padded), the one place that writes them and the one place that reads them with bounds checks:
// in process cores, in the executable's memory, in vmcores, in the guest's VMCOREINFO.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace vmcorefs {

// Appends one note, name and descriptor each padded to 4 bytes with zeros, as QEMU and Linux
// write them.
void append_elf_note(std::vector<std::byte> &out, std::string_view name, uint32_t type,
		     std::span<const std::byte> desc);

// One note read from a buffer: the name without its NUL padding, the descriptor exactly n_descsz
// bytes (both pointing into the buffer), and the size of the whole note with its padding.
struct ElfNote {
	std::string_view name;
	uint32_t type = 0;
	std::span<const std::byte> desc;
	uint64_t offset = 0; // of the header, in the buffer
	uint64_t size = 0;   // header, name and descriptor, padded
};

// The note whose header is at `offset` of bytes; nullopt when it does not fit in bytes. The name
// starts 4-byte aligned; the descriptor and the next note are aligned to `align`: 4 in cores and
// vmcores, 8 in the .note.gnu.property segments of executables (p_align 8).
std::optional<ElfNote> elf_note_at(std::span<const std::byte> bytes, uint64_t offset,
				   uint64_t align = 4);

// All the notes of a note segment that lies at `base` in `path` (a file or memory). A note running
// past the segment makes everything after it garbage, so it fails the whole segment: error
// corrupt, "note at 0x… overflows its segment".
Result<std::vector<ElfNote>> split_elf_notes(std::span<const std::byte> bytes, uint64_t align,
					     const std::string &path, uint64_t base);

} // namespace vmcorefs
