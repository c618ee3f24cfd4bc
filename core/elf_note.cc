#include "elf_note.h"

#include <cstring>

#include "byte_order.h"

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

} // namespace vmcorefs
