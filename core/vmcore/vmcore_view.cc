#include "vmcore/vmcore_view.h"

#include <algorithm>
#include <cstring>
#include <elf.h>

#include "base/byte_order.h"
#include "base/elf_note.h"

namespace vmcorefs {
namespace {

// More program headers than this cannot come from a real machine (PN_XNUM files included).
constexpr uint64_t max_phnum = 1 << 24;
constexpr uint64_t max_notes_size = 64 << 20;

} // namespace

Result<VmcoreView> VmcoreView::parse(std::string name, uint64_t size, Reader reader)
{
	VmcoreView view;
	view.name_ = std::move(name);
	view.size_ = size;
	view.reader_ = std::move(reader);
	VMCOREFS_TRY(view.parse_headers());
	return view;
}

Result<VmcoreView> VmcoreView::parse(const MappedFile &file)
{
	return parse(file.path(), file.size(),
		     [&file](uint64_t off, void *dst, size_t len) -> Result<void> {
			     if (off > file.size() || len > file.size() - off)
				     return make_error(ErrorCode::truncated, file.path(),
						       "read past the end of the file", off);
			     return file.read(off, dst, len);
		     });
}

// A field of an ELF structure of either class, at `at`, widened to 64 bits.
#define ELF_FIELD(at, Struct, member)                                                              \
	static_cast<uint64_t>(load_le<decltype(Struct::member)>((at) + offsetof(Struct, member)))

Result<void> VmcoreView::parse_headers()
{
	std::byte eh[sizeof(Elf64_Ehdr)] = {};
	if (size_ < sizeof(Elf32_Ehdr) || !read(0, eh, std::min<uint64_t>(size_, sizeof eh)).ok() ||
	    std::memcmp(eh, ELFMAG, SELFMAG))
		return make_error(ErrorCode::not_elf, name_, "not an ELF file");
	class_ = static_cast<uint8_t>(eh[EI_CLASS]);
	if ((class_ != ELFCLASS64 && class_ != ELFCLASS32) ||
	    static_cast<uint8_t>(eh[EI_DATA]) != ELFDATA2LSB)
		return make_error(ErrorCode::unsupported, name_, "not a little-endian ELF vmcore");
	if (class_ == ELFCLASS64)
		return parse_headers_of<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr>(eh);
	return parse_headers_of<Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr>(eh);
}

template <typename Ehdr, typename Phdr, typename Shdr>
Result<void> VmcoreView::parse_headers_of(const std::byte *eh)
{
	if (size_ < sizeof(Ehdr)) // an ELFCLASS64 header cut short
		return make_error(ErrorCode::not_elf, name_, "not an ELF file");
	if (ELF_FIELD(eh, Ehdr, e_type) != ET_CORE)
		return make_error(ErrorCode::not_core, name_, "not an ELF core file");
	machine_ = static_cast<uint16_t>(ELF_FIELD(eh, Ehdr, e_machine));
	uint64_t phoff = ELF_FIELD(eh, Ehdr, e_phoff);
	uint64_t phnum = ELF_FIELD(eh, Ehdr, e_phnum);
	if (phnum == PN_XNUM) {
		// The real count is in section header 0's sh_info.
		std::byte sh[sizeof(Shdr)];
		VMCOREFS_TRY(read(ELF_FIELD(eh, Ehdr, e_shoff), sh, sizeof sh));
		phnum = ELF_FIELD(sh, Shdr, sh_info);
	}
	if (phnum > max_phnum || phoff > size_ || phnum * sizeof(Phdr) > size_ - phoff)
		return make_error(ErrorCode::corrupt, name_,
				  "program headers do not fit in the file");
	std::vector<std::byte> ph(phnum * sizeof(Phdr));
	VMCOREFS_TRY(read(phoff, ph.data(), ph.size()));
	for (uint64_t i = 0; i < phnum; i++) {
		const std::byte *p = ph.data() + i * sizeof(Phdr);
		VmcoreLoad l{ELF_FIELD(p, Phdr, p_paddr), ELF_FIELD(p, Phdr, p_vaddr),
			     ELF_FIELD(p, Phdr, p_offset), ELF_FIELD(p, Phdr, p_filesz),
			     ELF_FIELD(p, Phdr, p_memsz)};
		if (l.offset > size_ || l.filesz > size_ - l.offset)
			return make_error(ErrorCode::truncated, name_,
					  "segment " + std::to_string(i) +
						  " ends past the end of the file",
					  l.offset);
		uint64_t type = ELF_FIELD(p, Phdr, p_type);
		if (type == PT_LOAD)
			loads_.push_back(l);
		else if (type == PT_NOTE)
			VMCOREFS_TRY(parse_notes(l.offset, l.filesz));
	}
	return {};
}

#undef ELF_FIELD

Result<void> VmcoreView::parse_notes(uint64_t offset, uint64_t size)
{
	if (size > max_notes_size)
		return make_error(ErrorCode::corrupt, name_, "PT_NOTE of absurd size", offset);
	std::vector<std::byte> buf(size);
	VMCOREFS_TRY(read(offset, buf.data(), size));
	auto notes = split_elf_notes(buf, 4, name_, offset);
	if (!notes)
		return notes.take_error();
	for (const ElfNote &note : *notes)
		notes_.push_back({std::string(note.name),
				  note.type,
				  {note.desc.begin(), note.desc.end()},
				  offset + note.offset});
	return {};
}

Result<void> read_served(const ExtentTable &table, const MemorySource &core, uint64_t offset,
			 void *dst, size_t length)
{
	auto *out = static_cast<std::byte *>(dst);
	uint64_t end = offset + length;
	if (end < offset || end > table.size())
		return make_error(ErrorCode::usage, core.path(), "read past the end of the vmcore",
				  offset);
	Result<void> result;
	table.for_each_piece(offset, length, [&](const Extent &piece) {
		std::byte *into = out + (piece.offset - offset);
		switch (piece.source) {
		case Extent::Source::generated:
			std::memcpy(into, table.generated().data() + piece.source_offset,
				    piece.length);
			return true;
		case Extent::Source::core:
			if (piece.source_offset > core.size() ||
			    piece.length > core.size() - piece.source_offset)
				result = make_error(ErrorCode::truncated, core.path(),
						    "core ends before the data",
						    piece.source_offset);
			else
				result = core.read(piece.source_offset, into, piece.length);
			return result.ok();
		case Extent::Source::absent: break;
		}
		result = make_error(ErrorCode::absent, core.path(), "memory absent from the core",
				    piece.offset);
		return false;
	});
	return result;
}

} // namespace vmcorefs
