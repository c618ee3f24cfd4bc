#include "core_builder.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

#include "base/error.h"

namespace vmcorefs::test {
namespace {

// PT_LOAD data starts page-aligned, as in kernel cores, so that holes are whole pages.
constexpr uint64_t data_align = 4096;

uint64_t align_up(uint64_t value, uint64_t align)
{
	return (value + align - 1) / align * align;
}

void append_u64(Bytes &out, uint64_t value)
{
	for (int i = 0; i < 8; i++)
		out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void append_u32(Bytes &out, uint32_t value)
{
	for (int i = 0; i < 4; i++)
		out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

[[noreturn]] void throw_errno(const std::string &what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

void pwrite_all(int fd, const void *data, size_t size, uint64_t offset, const std::string &path)
{
	const auto *p = static_cast<const uint8_t *>(data);
	while (size > 0) {
		ssize_t n = pwrite(fd, p, size, static_cast<off_t>(offset));
		if (n < 0)
			throw_errno("write " + path);
		p += n;
		size -= static_cast<size_t>(n);
		offset += static_cast<uint64_t>(n);
	}
}

// Closes the descriptor however write() leaves.
struct FileCloser {
	int fd;
	~FileCloser() { close(fd); }
};

} // namespace

TempDir::TempDir()
{
	const char *tmp = std::getenv("TMPDIR");
	std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/vmcorefs-test-XXXXXX";
	if (!mkdtemp(pattern.data()))
		throw_errno("mkdtemp " + pattern);
	path_ = pattern;
}

TempDir::~TempDir()
{
	std::error_code ignored;
	std::filesystem::remove_all(path_, ignored);
}

Bytes encode_note(const std::string &name, uint32_t type, const Bytes &desc, uint64_t align)
{
	Bytes out;
	append_u32(out, static_cast<uint32_t>(name.size() + 1));
	append_u32(out, static_cast<uint32_t>(desc.size()));
	append_u32(out, type);
	out.insert(out.end(), name.begin(), name.end());
	out.push_back(0);
	out.resize(align_up(out.size(), align));
	out.insert(out.end(), desc.begin(), desc.end());
	out.resize(align_up(out.size(), align));
	return out;
}

Bytes executable_page(const Bytes &build_id)
{
	Bytes notes = encode_note("GNU", NT_GNU_PROPERTY_TYPE_0, Bytes(12, 0xee), 8);
	Bytes id_note = encode_note("GNU", NT_GNU_BUILD_ID, build_id, 8);
	notes.insert(notes.end(), id_note.begin(), id_note.end());
	Elf64_Ehdr ehdr{};
	std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
	ehdr.e_ident[EI_CLASS] = ELFCLASS64;
	ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr.e_type = ET_DYN;
	ehdr.e_machine = EM_X86_64;
	ehdr.e_phoff = executable_phdr_offset;
	ehdr.e_phentsize = sizeof(Elf64_Phdr);
	ehdr.e_phnum = executable_phnum;
	const uint64_t page = 0x1000;
	const uint64_t phdrs_size = executable_phnum * sizeof(Elf64_Phdr);
	const uint64_t at = executable_phdr_offset;
	const Elf64_Phdr phdrs[executable_phnum] = {
		{PT_PHDR, PF_R, at, at, at, phdrs_size, phdrs_size, 8},
		{PT_LOAD, PF_R, 0, 0, 0, page, page, page},
		{PT_NOTE, PF_R, 0x200, 0x200, 0x200, notes.size(), notes.size(), 8},
	};
	Bytes bytes(page);
	std::memcpy(bytes.data(), &ehdr, sizeof ehdr);
	std::memcpy(bytes.data() + at, phdrs, sizeof phdrs);
	std::memcpy(bytes.data() + 0x200, notes.data(), notes.size());
	return bytes;
}

size_t CoreBuilder::add_load(uint64_t vaddr, const Bytes &bytes, uint64_t memsz, uint32_t flags)
{
	size_t index = add_sparse_load(vaddr, bytes.size(), memsz, flags);
	loads_[index].chunks.emplace_back(0, bytes);
	return index;
}

size_t CoreBuilder::add_sparse_load(uint64_t vaddr, uint64_t filesz, uint64_t memsz, uint32_t flags)
{
	loads_.push_back({vaddr, filesz, memsz ? memsz : filesz, flags, {}});
	return loads_.size() - 1;
}

void CoreBuilder::poke(uint64_t vaddr, const Bytes &bytes)
{
	for (Load &load : loads_) {
		if (vaddr >= load.vaddr && vaddr - load.vaddr <= load.filesz &&
		    bytes.size() <= load.filesz - (vaddr - load.vaddr)) {
			load.chunks.emplace_back(vaddr - load.vaddr, bytes);
			return;
		}
	}
	throw std::invalid_argument("CoreBuilder::poke: no PT_LOAD holds " +
				    std::to_string(bytes.size()) + " file bytes at " + hex(vaddr));
}

void CoreBuilder::poke_u64(uint64_t vaddr, uint64_t value)
{
	Bytes bytes;
	append_u64(bytes, value);
	poke(vaddr, bytes);
}

void CoreBuilder::add_note(const std::string &name, uint32_t type, const Bytes &desc)
{
	Bytes note = encode_note(name, type, desc);
	notes_.insert(notes_.end(), note.begin(), note.end());
}

// x86_64 struct elf_prstatus is 336 bytes with pr_pid at 32; registers are left zero.
void CoreBuilder::add_prstatus(uint32_t pid)
{
	Bytes desc(336);
	std::memcpy(desc.data() + 32, &pid, sizeof pid);
	add_note("CORE", NT_PRSTATUS, desc);
}

// x86_64 struct elf_prpsinfo is 136 bytes with pr_fname[16] at 40.
void CoreBuilder::add_prpsinfo(const std::string &fname)
{
	Bytes desc(136);
	std::memcpy(desc.data() + 40, fname.data(), std::min<size_t>(fname.size(), 16));
	add_note("CORE", NT_PRPSINFO, desc);
}

void CoreBuilder::add_auxv(const std::vector<std::pair<uint64_t, uint64_t>> &entries)
{
	Bytes desc;
	for (const auto &[type, value] : entries) {
		append_u64(desc, type);
		append_u64(desc, value);
	}
	append_u64(desc, AT_NULL);
	append_u64(desc, 0);
	add_note("CORE", NT_AUXV, desc);
}

void CoreBuilder::add_file_note(const std::vector<FileNoteEntry> &entries, uint64_t page_size)
{
	Bytes desc;
	append_u64(desc, entries.size());
	append_u64(desc, page_size);
	for (const FileNoteEntry &entry : entries) {
		append_u64(desc, entry.start);
		append_u64(desc, entry.end);
		append_u64(desc, entry.file_offset / page_size);
	}
	for (const FileNoteEntry &entry : entries) {
		desc.insert(desc.end(), entry.path.begin(), entry.path.end());
		desc.push_back(0);
	}
	add_note("CORE", NT_FILE, desc);
}

uint64_t CoreBuilder::notes_offset() const
{
	return sizeof(Elf64_Ehdr) + (1 + loads_.size()) * sizeof(Elf64_Phdr);
}

uint64_t CoreBuilder::shdr_offset() const
{
	return align_up(notes_offset() + notes_.size(), 8);
}

uint64_t CoreBuilder::data_offset() const
{
	return align_up(shdr_offset() + (pn_xnum ? sizeof(Elf64_Shdr) : 0), data_align);
}

uint64_t CoreBuilder::file_offset(size_t index) const
{
	uint64_t offset = data_offset();
	for (size_t i = 0; i < index; i++)
		offset = align_up(offset + loads_.at(i).filesz, data_align);
	return offset;
}

uint64_t CoreBuilder::file_size() const
{
	if (loads_.empty())
		return data_offset();
	return file_offset(loads_.size() - 1) + loads_.back().filesz;
}

CoreHeaders CoreBuilder::headers() const
{
	CoreHeaders h{};
	std::memcpy(h.ehdr.e_ident, ELFMAG, SELFMAG);
	h.ehdr.e_ident[EI_CLASS] = ELFCLASS64;
	h.ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
	h.ehdr.e_ident[EI_VERSION] = EV_CURRENT;
	h.ehdr.e_type = ET_CORE;
	h.ehdr.e_machine = EM_X86_64;
	h.ehdr.e_version = EV_CURRENT;
	h.ehdr.e_phoff = sizeof(Elf64_Ehdr);
	h.ehdr.e_ehsize = sizeof(Elf64_Ehdr);
	h.ehdr.e_phentsize = sizeof(Elf64_Phdr);
	uint64_t phnum = 1 + loads_.size();
	h.ehdr.e_phnum = pn_xnum ? PN_XNUM : static_cast<Elf64_Half>(phnum);
	if (pn_xnum) {
		h.ehdr.e_shoff = shdr_offset();
		h.ehdr.e_shentsize = sizeof(Elf64_Shdr);
		h.ehdr.e_shnum = 1;
		h.shdr0.sh_info = static_cast<Elf64_Word>(phnum);
	}
	h.phdrs.push_back({PT_NOTE, 0, notes_offset(), 0, 0, notes_.size(), 0, 4});
	for (size_t i = 0; i < loads_.size(); i++) {
		const Load &load = loads_[i];
		h.phdrs.push_back({PT_LOAD, load.flags, file_offset(i), load.vaddr, 0, load.filesz,
				   load.memsz, data_align});
	}
	return h;
}

void CoreBuilder::write(const std::string &path) const
{
	CoreHeaders h = headers();
	if (edit_headers)
		edit_headers(h);
	int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		throw_errno("open " + path);
	FileCloser closer{fd};
	// Headers are written where the layout puts them, whatever the edited e_phoff says.
	pwrite_all(fd, &h.ehdr, sizeof h.ehdr, 0, path);
	pwrite_all(fd, h.phdrs.data(), h.phdrs.size() * sizeof(Elf64_Phdr), sizeof h.ehdr, path);
	pwrite_all(fd, notes_.data(), notes_.size(), notes_offset(), path);
	if (pn_xnum)
		pwrite_all(fd, &h.shdr0, sizeof h.shdr0, shdr_offset(), path);
	for (size_t i = 0; i < loads_.size(); i++)
		for (const auto &[offset, bytes] : loads_[i].chunks)
			pwrite_all(fd, bytes.data(), bytes.size(), file_offset(i) + offset, path);
	// Extending with ftruncate leaves whatever was not written as a hole.
	uint64_t size = truncate_at.value_or(file_size());
	if (ftruncate(fd, static_cast<off_t>(size)) != 0)
		throw_errno("truncate " + path);
}

} // namespace vmcorefs::test
