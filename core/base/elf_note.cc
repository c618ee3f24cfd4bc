#include "base/elf_note.h"

#include <algorithm>
#include <cstring>

#include "base/byte_order.h"

namespace vmcorefs {

void append_elf_note(std::vector<std::byte> &out, std::string_view name, uint32_t type,
		     std::span<const std::byte> desc)
{
	auto padded = [](size_t n) { return (n + 3) & ~size_t{3}; };
	size_t namesz = name.size() + 1;
	size_t at = out.size();
	out.resize(at + 12 + padded(namesz) + padded(desc.size()));
	std::byte *p = out.data() + at;
	store_le<uint32_t>(p, static_cast<uint32_t>(namesz));
	store_le<uint32_t>(p + 4, static_cast<uint32_t>(desc.size()));
	store_le<uint32_t>(p + 8, type);
	std::memcpy(p + 12, name.data(), name.size());
	if (!desc.empty())
		std::memcpy(p + 12 + padded(namesz), desc.data(), desc.size());
}

std::optional<ElfNote> elf_note_at(std::span<const std::byte> bytes, uint64_t offset,
				   uint64_t align)
{
	auto aligned = [](uint64_t n, uint64_t to) { return (n + to - 1) & ~(to - 1); };
	// bytes.size() is bounded by a file or buffer size (< 2^63): the sums below cannot wrap.
	if (offset > bytes.size() || bytes.size() - offset < 12)
		return std::nullopt;
	const std::byte *header = bytes.data() + offset;
	uint64_t namesz = load_le<uint32_t>(header);
	uint64_t descsz = load_le<uint32_t>(header + 4);
	uint64_t name_at = offset + 12;
	uint64_t desc_at = aligned(name_at + namesz, align);
	if (desc_at + descsz > bytes.size())
		return std::nullopt;
	std::string_view name(reinterpret_cast<const char *>(bytes.data() + name_at), namesz);
	while (!name.empty() && name.back() == '\0')
		name.remove_suffix(1);
	uint64_t end = std::min<uint64_t>(aligned(desc_at + descsz, align), bytes.size());
	return ElfNote{name, load_le<uint32_t>(header + 8), bytes.subspan(desc_at, descsz), offset,
		       end - offset};
}

Result<std::vector<ElfNote>> split_elf_notes(std::span<const std::byte> bytes, uint64_t align,
					     const std::string &path, uint64_t base)
{
	std::vector<ElfNote> notes;
	for (uint64_t offset = 0; offset < bytes.size();) {
		auto note = elf_note_at(bytes, offset, align);
		if (!note)
			return make_error(ErrorCode::corrupt, path,
					  "note at " + hex(base + offset) +
						  " overflows its segment",
					  base + offset);
		notes.push_back(*note);
		offset += note->size;
	}
	return notes;
}

} // namespace vmcorefs
