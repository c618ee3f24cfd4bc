#include "source/process_core.h"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstring>
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <string_view>

#include "base/byte_order.h"
#include "base/elf_note.h"
#include "source/mapped_file.h"

namespace vmcorefs {
namespace {

// x86_64 struct elf_prpsinfo (sys/procfs.h): 4 chars, pad, pr_flag, pr_uid, pr_gid, pr_pid,
// pr_ppid, pr_pgrp, pr_sid, then pr_fname[16]. Written out because the host may not be x86_64.
constexpr size_t prpsinfo_fname_offset = 40;
constexpr size_t prpsinfo_fname_size = 16;

// An executable has fewer than PN_XNUM program headers (e_phnum is 16 bits) and its note
// segments are a few hundred bytes; larger values in a crashed process's memory are garbage,
// and bounding them bounds what we allocate.
constexpr uint64_t max_executable_phnum = PN_XNUM - 1;
constexpr uint64_t max_executable_note_size = 64 * 1024;
// A core's notes are a few KiB per thread plus NT_FILE's paths: a QEMU with a thousand threads
// and ten thousand mappings stays far below this.
constexpr uint64_t max_core_notes_size = 256 << 20;

std::string elf_type_name(unsigned type)
{
	switch (type) {
	case ET_NONE: return "NONE";
	case ET_REL: return "REL";
	case ET_EXEC: return "EXEC";
	case ET_DYN: return "DYN";
	default: return std::to_string(type);
	}
}

Error libelf_error(const std::string &path, const std::string &what)
{
	return make_error(ErrorCode::corrupt, path, what + ": " + elf_errmsg(-1));
}

Error past_eof_error(const std::string &path, const std::string &what, uint64_t end, uint64_t size)
{
	return make_error(ErrorCode::truncated, path,
			  what + " end at " + hex(end) + " past the end of the file (size " +
				  hex(size) + ")",
			  end);
}

uint64_t u64_at(std::span<const std::byte> bytes, size_t offset)
{
	return load_le<uint64_t>(bytes.data() + offset);
}

// Program headers of the executable as the process saw them, read from the core's memory at
// AT_PHDR. Empty when the auxiliary vector or the memory does not give them.
std::vector<Elf64_Phdr> read_executable_phdrs(const ProcessCore &core, uint64_t phdr_addr,
					      std::optional<uint64_t> phent,
					      std::optional<uint64_t> phnum)
{
	if (phent != sizeof(Elf64_Phdr) || !phnum || *phnum == 0 || *phnum > max_executable_phnum)
		return {};
	std::vector<std::byte> raw(*phnum * sizeof(Elf64_Phdr));
	if (!core.read(phdr_addr, raw.data(), raw.size()).ok())
		return {};
	std::vector<Elf64_Phdr> phdrs(*phnum);
	for (size_t i = 0; i < phdrs.size(); i++) {
		const std::byte *p = raw.data() + i * sizeof(Elf64_Phdr);
		phdrs[i].p_type = load_le<uint32_t>(p + offsetof(Elf64_Phdr, p_type));
		phdrs[i].p_flags = load_le<uint32_t>(p + offsetof(Elf64_Phdr, p_flags));
		phdrs[i].p_offset = load_le<uint64_t>(p + offsetof(Elf64_Phdr, p_offset));
		phdrs[i].p_vaddr = load_le<uint64_t>(p + offsetof(Elf64_Phdr, p_vaddr));
		phdrs[i].p_paddr = load_le<uint64_t>(p + offsetof(Elf64_Phdr, p_paddr));
		phdrs[i].p_filesz = load_le<uint64_t>(p + offsetof(Elf64_Phdr, p_filesz));
		phdrs[i].p_memsz = load_le<uint64_t>(p + offsetof(Elf64_Phdr, p_memsz));
		phdrs[i].p_align = load_le<uint64_t>(p + offsetof(Elf64_Phdr, p_align));
	}
	return phdrs;
}

// AT_PHDR is where the program headers were loaded, PT_PHDR where the executable says they are:
// the difference is the load bias (0 for a non-PIE executable).
std::optional<uint64_t> find_load_bias(std::span<const Elf64_Phdr> phdrs, uint64_t phdr_addr)
{
	for (const Elf64_Phdr &phdr : phdrs)
		if (phdr.p_type == PT_PHDR)
			return phdr_addr - phdr.p_vaddr;
	return std::nullopt;
}

// The NT_GNU_BUILD_ID of the executable, from its PT_NOTE segments in the core's memory (the
// kernel dumps the first page of an ELF mapping, which holds them, even when it dumps nothing else
// of the file). Empty when absent.
std::vector<uint8_t> find_build_id(const ProcessCore &core, std::span<const Elf64_Phdr> phdrs,
				   uint64_t bias)
{
	for (const Elf64_Phdr &phdr : phdrs) {
		uint64_t addr;
		if (phdr.p_type != PT_NOTE || phdr.p_filesz > max_executable_note_size ||
		    add_overflows(bias, phdr.p_vaddr, &addr))
			continue;
		std::vector<std::byte> bytes(phdr.p_filesz);
		if (!core.read(addr, bytes.data(), bytes.size()).ok())
			continue;
		auto notes = split_elf_notes(bytes, phdr.p_align == 8 ? 8 : 4, core.path(), addr);
		if (!notes.ok())
			continue;
		for (const ElfNote &note : *notes) {
			auto *desc = reinterpret_cast<const uint8_t *>(note.desc.data());
			if (note.name == "GNU" && note.type == NT_GNU_BUILD_ID &&
			    !note.desc.empty())
				return {desc, desc + note.desc.size()};
		}
	}
	return {};
}

// Appends a piece, merging it into the previous one when they continue each other: both present
// and contiguous in the file, or both absent for the same reason.
void append_piece(std::vector<CorePiece> &pieces, const CorePiece &piece)
{
	if (!pieces.empty()) {
		CorePiece &last = pieces.back();
		bool follows = last.vaddr + last.length == piece.vaddr;
		bool same_kind = last.present()
					 ? piece.present() && *last.file_offset + last.length ==
								      *piece.file_offset
					 : !piece.present() && last.reason == piece.reason;
		if (follows && same_kind) {
			last.length += piece.length;
			return;
		}
	}
	pieces.push_back(piece);
}

// The pieces of `segment` within [low, high): its present bytes, then what the file lacks
// (truncated), then what the writer left out (not dumped).
void append_segment_pieces(std::vector<CorePiece> &pieces, const CoreSegment &segment, uint64_t low,
			   uint64_t high)
{
	struct Part {
		uint64_t from, to; // relative to segment.vaddr
		std::optional<uint64_t> offset;
		AbsentReason reason;
	};
	const Part parts[] = {
		{0, segment.present, segment.offset, AbsentReason::unmapped},
		{segment.present, segment.filesz, std::nullopt, AbsentReason::truncated},
		{segment.filesz, segment.memsz, std::nullopt, AbsentReason::not_dumped},
	};
	for (const Part &part : parts) {
		uint64_t from = std::max(segment.vaddr + part.from, low);
		uint64_t to = std::min(segment.vaddr + part.to, high);
		if (from >= to)
			continue;
		CorePiece piece{from, to - from, std::nullopt, part.reason};
		if (part.offset)
			piece.file_offset = *part.offset + (from - segment.vaddr);
		append_piece(pieces, piece);
	}
}

// What libelf would accept as another class or byte order gets a clear refusal here, before
// libelf is asked anything.
Result<void> check_ident(const MemorySource &file)
{
	const std::string &path = file.path();
	std::byte ident[EI_NIDENT] = {};
	VMCOREFS_TRY(file.read(0, ident, std::min<uint64_t>(file.size(), sizeof ident)));
	if (file.size() < SELFMAG || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
		return make_error(ErrorCode::not_elf, path,
				  file.size() == 0 ? "not an ELF file (empty)" : "not an ELF file");
	if (file.size() < sizeof(Elf64_Ehdr))
		return past_eof_error(path, "ELF header would", sizeof(Elf64_Ehdr), file.size());
	if (ident[EI_CLASS] != std::byte{ELFCLASS64})
		return make_error(ErrorCode::unsupported, path,
				  "not a 64-bit ELF file; vmcorefs reads x86_64 cores only");
	if (ident[EI_DATA] != std::byte{ELFDATA2LSB})
		return make_error(ErrorCode::unsupported, path,
				  "not a little-endian ELF file; vmcorefs reads x86_64 cores only");
	return {};
}

// The number of program headers: e_phnum, or with PN_XNUM (more than 65534 of them) the sh_info of
// section header 0.
Result<uint64_t> program_header_count(Elf *elf, const GElf_Ehdr &ehdr, const MemorySource &file)
{
	if (ehdr.e_phnum != PN_XNUM)
		return uint64_t{ehdr.e_phnum};
	uint64_t end;
	if (ehdr.e_shoff == 0 || add_overflows(ehdr.e_shoff, sizeof(Elf64_Shdr), &end))
		return make_error(ErrorCode::corrupt, file.path(),
				  "e_phnum is PN_XNUM but there is no section header 0 to hold the "
				  "count");
	if (end > file.size())
		return past_eof_error(file.path(),
				      "section header 0 (holding the PN_XNUM count) would", end,
				      file.size());
	GElf_Shdr shdr;
	Elf_Scn *scn = elf_getscn(elf, 0);
	if (!scn || !gelf_getshdr(scn, &shdr))
		return libelf_error(file.path(), "cannot read section header 0");
	return uint64_t{shdr.sh_info};
}

// Checks the program header table against the file and returns its length.
Result<uint64_t> check_program_headers(Elf *elf, const GElf_Ehdr &ehdr, const MemorySource &file)
{
	auto count = program_header_count(elf, ehdr, file);
	if (!count.ok())
		return count.take_error();
	if (*count == 0)
		return make_error(ErrorCode::corrupt, file.path(), "no program headers");
	if (ehdr.e_phentsize != sizeof(Elf64_Phdr))
		return make_error(ErrorCode::corrupt, file.path(),
				  "program header size " + std::to_string(ehdr.e_phentsize) +
					  ", expected " + std::to_string(sizeof(Elf64_Phdr)));
	uint64_t table_size;
	uint64_t end;
	if (ehdr.e_phoff == 0 || __builtin_mul_overflow(*count, sizeof(Elf64_Phdr), &table_size) ||
	    add_overflows(ehdr.e_phoff, table_size, &end))
		return make_error(ErrorCode::corrupt, file.path(),
				  std::to_string(*count) + " program headers at " +
					  hex(ehdr.e_phoff) + " cannot fit in a file");
	if (end > file.size())
		return past_eof_error(file.path(), "program headers", end, file.size());
	// libelf silently clamps the count to what fits in the file; we checked that all fit.
	size_t libelf_count;
	if (elf_getphdrnum(elf, &libelf_count) != 0 || libelf_count != *count)
		return make_error(ErrorCode::corrupt, file.path(),
				  "libelf cannot read the " + std::to_string(*count) +
					  " program headers");
	return count;
}

Result<GElf_Phdr> program_header(Elf *elf, size_t index, const std::string &path)
{
	GElf_Phdr phdr;
	if (index > INT_MAX || !gelf_getphdr(elf, static_cast<int>(index), &phdr))
		return libelf_error(path, "cannot read program header " + std::to_string(index));
	return phdr;
}

Result<CoreSegment> make_segment(size_t index, const GElf_Phdr &phdr, const MemorySource &file)
{
	std::string name = "PT_LOAD (program header " + std::to_string(index) + ") ";
	uint64_t end;
	if (add_overflows(phdr.p_vaddr, phdr.p_memsz, &end))
		return make_error(ErrorCode::corrupt, file.path(),
				  name + "at " + hex(phdr.p_vaddr) + " of " + hex(phdr.p_memsz) +
					  " bytes wraps around the address space");
	if (phdr.p_filesz > phdr.p_memsz)
		return make_error(ErrorCode::corrupt, file.path(),
				  name + "has p_filesz " + hex(phdr.p_filesz) +
					  " larger than p_memsz " + hex(phdr.p_memsz));
	if (add_overflows(phdr.p_offset, phdr.p_filesz, &end))
		return make_error(ErrorCode::corrupt, file.path(),
				  name + "has p_offset " + hex(phdr.p_offset) + " + p_filesz " +
					  hex(phdr.p_filesz) + " overflowing");
	// A truncated core (RLIMIT_CORE, full disk) keeps what it had room for.
	uint64_t size = file.size();
	uint64_t present =
		phdr.p_offset >= size ? 0 : std::min(phdr.p_filesz, size - phdr.p_offset);
	return CoreSegment{phdr.p_vaddr,  phdr.p_memsz, phdr.p_offset,
			   phdr.p_filesz, present,      phdr.p_flags};
}

} // namespace

const char *to_string(AbsentReason reason)
{
	switch (reason) {
	case AbsentReason::not_dumped: return "not dumped";
	case AbsentReason::truncated: return "truncated";
	case AbsentReason::unmapped: return "unmapped";
	}
	return "unknown";
}

Result<std::unique_ptr<ProcessCore>> ProcessCore::open(const std::string &path)
{
	auto file = MappedFile::open(path);
	if (!file.ok())
		return file.take_error();
	std::unique_ptr<ProcessCore> core(
		new ProcessCore(std::make_unique<MappedFile>(std::move(file).value())));
	VMCOREFS_TRY(core->parse());
	return core;
}

ProcessCore::~ProcessCore()
{
	if (elf_)
		elf_end(elf_);
}

Error ProcessCore::error(ErrorCode code, std::string message, std::optional<uint64_t> at) const
{
	return make_error(code, path(), std::move(message), at);
}

Result<void> ProcessCore::parse()
{
	VMCOREFS_TRY(check_ident(*source_));
	VMCOREFS_TRY(open_elf());
	VMCOREFS_TRY(parse_segments());
	VMCOREFS_TRY(parse_notes());
	VMCOREFS_TRY(check_file_ranges());
	find_executable();
	return {};
}

Result<void> ProcessCore::open_elf()
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return libelf_error(path(), "libelf cannot be initialised");
	// ELF_C_READ: libelf reads what it is asked for with pread, so a core that shrinks while it
	// is loaded is an error, where a mapping would raise SIGBUS.
	elf_ = elf_begin(source_->fd(), ELF_C_READ, nullptr);
	if (!elf_)
		return libelf_error(path(), "libelf cannot read it");
	GElf_Ehdr ehdr;
	if (elf_kind(elf_) != ELF_K_ELF || !gelf_getehdr(elf_, &ehdr))
		return error(ErrorCode::not_elf, "not an ELF file");
	if (ehdr.e_type != ET_CORE)
		return error(ErrorCode::not_core,
			     "ELF file of type " + elf_type_name(ehdr.e_type) + ", not a core");
	if (ehdr.e_machine != EM_X86_64)
		return error(ErrorCode::unsupported, "core of ELF machine " +
							     std::to_string(ehdr.e_machine) +
							     "; vmcorefs reads x86_64 cores only");
	auto count = check_program_headers(elf_, ehdr, *source_);
	if (!count.ok())
		return count.take_error();
	phnum_ = *count;
	return {};
}

Result<void> ProcessCore::parse_segments()
{
	for (size_t i = 0; i < phnum_; i++) {
		auto phdr = program_header(elf_, i, path());
		if (!phdr.ok())
			return phdr.take_error();
		if (phdr->p_type != PT_LOAD || phdr->p_memsz == 0)
			continue;
		auto segment = make_segment(i, *phdr, *source_);
		if (!segment.ok())
			return segment.take_error();
		segments_.push_back(*segment);
	}
	// The kernel writes PT_LOADs in address order unless kernel.core_sort_vma sorts them by
	// size; translate() needs them by address.
	std::sort(segments_.begin(), segments_.end(),
		  [](const CoreSegment &a, const CoreSegment &b) { return a.vaddr < b.vaddr; });
	for (size_t i = 1; i < segments_.size(); i++) {
		const CoreSegment &previous = segments_[i - 1];
		if (previous.vaddr + previous.memsz > segments_[i].vaddr)
			return error(ErrorCode::corrupt,
				     "PT_LOADs at " + hex(previous.vaddr) + " and " +
					     hex(segments_[i].vaddr) + " overlap",
				     segments_[i].vaddr);
	}
	return {};
}

// Each byte of the file belongs to one thing: the ELF header, the program headers, one note
// segment or one PT_LOAD. A damaged p_offset that makes two of them share bytes would serve one
// mapping's bytes as another's: refused, naming the program header.
Result<void> ProcessCore::check_file_ranges() const
{
	struct Range {
		uint64_t start, end;
		std::string what;
	};
	GElf_Ehdr ehdr;
	if (!gelf_getehdr(elf_, &ehdr))
		return libelf_error(path(), "libelf cannot read it");
	std::vector<Range> ranges = {
		{0, sizeof(Elf64_Ehdr), "the ELF header"},
		{ehdr.e_phoff, ehdr.e_phoff + phnum_ * sizeof(Elf64_Phdr), "the program headers"},
	};
	for (size_t i = 0; i < phnum_; i++) {
		auto phdr = program_header(elf_, i, path());
		if (!phdr.ok())
			return phdr.take_error();
		bool load = phdr->p_type == PT_LOAD && phdr->p_memsz > 0;
		if ((!load && phdr->p_type != PT_NOTE) || phdr->p_filesz == 0)
			continue;
		// Both were checked not to overflow.
		ranges.push_back({phdr->p_offset, phdr->p_offset + phdr->p_filesz,
				  std::string(load ? "PT_LOAD" : "PT_NOTE") + " (program header " +
					  std::to_string(i) + ", p_offset " + hex(phdr->p_offset) +
					  ", p_filesz " + hex(phdr->p_filesz) + ")"});
	}
	std::sort(ranges.begin(), ranges.end(),
		  [](const Range &a, const Range &b) { return a.start < b.start; });
	for (size_t i = 1; i < ranges.size(); i++)
		if (ranges[i].start < ranges[i - 1].end)
			return error(ErrorCode::corrupt,
				     "the file bytes of " + ranges[i].what + " overlap those of " +
					     ranges[i - 1].what,
				     ranges[i].start);
	return {};
}

Result<void> ProcessCore::parse_notes()
{
	for (size_t i = 0; i < phnum_; i++) {
		auto phdr = program_header(elf_, i, path());
		if (!phdr.ok())
			return phdr.take_error();
		if (phdr->p_type != PT_NOTE)
			continue;
		uint64_t end;
		if (add_overflows(phdr->p_offset, phdr->p_filesz, &end))
			return error(ErrorCode::corrupt, "PT_NOTE at " + hex(phdr->p_offset) +
								 " of " + hex(phdr->p_filesz) +
								 " bytes overflows");
		if (end > source_->size())
			return past_eof_error(path(), "notes", end, source_->size());
		if (phdr->p_filesz > max_core_notes_size)
			return error(ErrorCode::corrupt, "PT_NOTE at " + hex(phdr->p_offset) +
								 " of " + hex(phdr->p_filesz) +
								 " bytes is absurdly large");
		std::vector<std::byte> bytes(phdr->p_filesz);
		VMCOREFS_TRY(source_->read(phdr->p_offset, bytes.data(), bytes.size()));
		auto notes = split_elf_notes(bytes, 4, path(), phdr->p_offset);
		if (!notes.ok())
			return notes.take_error();
		for (const ElfNote &note : *notes)
			if (note.name == "CORE")
				VMCOREFS_TRY(parse_core_note(note.type, note.desc,
							     phdr->p_offset + note.offset));
	}
	return {};
}

Result<void> ProcessCore::parse_core_note(uint32_t type, std::span<const std::byte> desc,
					  uint64_t offset)
{
	switch (type) {
	case NT_FILE: return parse_file_note(desc, offset);
	case NT_AUXV: return parse_auxv_note(desc, offset);
	case NT_PRPSINFO: return parse_prpsinfo_note(desc, offset);
	default: return {};
	}
}

// NT_FILE: {count, page_size, {start, end, file_ofs}[count], count NUL-terminated paths}, all
// longs. file_ofs is in page_size units: pages from the kernel, bytes (page_size 1) from gcore.
Result<void> ProcessCore::parse_file_note(std::span<const std::byte> desc, uint64_t offset)
{
	std::string name = "NT_FILE note at " + hex(offset);
	// Each entry takes 24 bytes and a path of at least its NUL: this bounds count before use.
	if (desc.size() < 16 || u64_at(desc, 0) > (desc.size() - 16) / 25)
		return error(ErrorCode::corrupt, name + " is too short for its entries", offset);
	uint64_t count = u64_at(desc, 0);
	uint64_t page_size = u64_at(desc, 8);
	if (page_size == 0)
		return error(ErrorCode::corrupt, name + " has page size 0", offset);
	size_t path_offset = 16 + count * 24;
	for (uint64_t i = 0; i < count; i++) {
		const size_t entry = 16 + i * 24;
		FileMapping mapping{u64_at(desc, entry), u64_at(desc, entry + 8), 0, {}};
		if (mapping.end < mapping.start ||
		    __builtin_mul_overflow(u64_at(desc, entry + 16), page_size,
					   &mapping.file_offset))
			return error(ErrorCode::corrupt,
				     name + " has a bad entry " + std::to_string(i), offset);
		const char *text = reinterpret_cast<const char *>(desc.data()) + path_offset;
		size_t length = strnlen(text, desc.size() - path_offset);
		if (length == desc.size() - path_offset)
			return error(ErrorCode::corrupt,
				     name + " ends inside path " + std::to_string(i), offset);
		mapping.path.assign(text, length);
		path_offset += length + 1;
		file_mappings_.push_back(std::move(mapping));
	}
	return {};
}

// NT_AUXV: {a_type, a_val} pairs of u64, the last one AT_NULL.
Result<void> ProcessCore::parse_auxv_note(std::span<const std::byte> desc, uint64_t offset)
{
	if (desc.size() % 16 != 0)
		return error(ErrorCode::corrupt,
			     "NT_AUXV note at " + hex(offset) +
				     " is not made of (type, value) pairs",
			     offset);
	for (size_t i = 0; i < desc.size(); i += 16) {
		uint64_t type = u64_at(desc, i);
		if (type == AT_NULL)
			break;
		auxv_.emplace_back(type, u64_at(desc, i + 8));
	}
	return {};
}

Result<void> ProcessCore::parse_prpsinfo_note(std::span<const std::byte> desc, uint64_t offset)
{
	if (desc.size() < prpsinfo_fname_offset + prpsinfo_fname_size)
		return error(ErrorCode::corrupt,
			     "NT_PRPSINFO note at " + hex(offset) + " is too short", offset);
	const char *fname = reinterpret_cast<const char *>(desc.data()) + prpsinfo_fname_offset;
	command_.assign(fname, strnlen(fname, prpsinfo_fname_size));
	return {};
}

std::optional<uint64_t> ProcessCore::auxv(uint64_t type) const
{
	for (const auto &[entry_type, value] : auxv_)
		if (entry_type == type)
			return value;
	return std::nullopt;
}

void ProcessCore::find_executable()
{
	std::optional<uint64_t> phdr_addr = auxv(AT_PHDR);
	if (!phdr_addr)
		return;
	for (const FileMapping &mapping : file_mappings_) {
		if (mapping.start <= *phdr_addr && *phdr_addr < mapping.end) {
			executable_path_ = mapping.path;
			break;
		}
	}
	std::vector<Elf64_Phdr> phdrs =
		read_executable_phdrs(*this, *phdr_addr, auxv(AT_PHENT), auxv(AT_PHNUM));
	load_bias_ = find_load_bias(phdrs, *phdr_addr);
	if (load_bias_)
		build_id_ = find_build_id(*this, phdrs, *load_bias_);
}

// Segments are sorted and disjoint, so their ends are sorted too: binary search on the end.
std::vector<CoreSegment>::const_iterator
ProcessCore::first_segment_ending_after(uint64_t vaddr) const
{
	return std::partition_point(segments_.begin(), segments_.end(),
				    [vaddr](const CoreSegment &s) {
					    return s.vaddr + s.memsz <= vaddr;
				    });
}

std::vector<CorePiece> ProcessCore::translate(uint64_t vaddr, uint64_t length) const
{
	uint64_t end;
	if (add_overflows(vaddr, length, &end))
		end = UINT64_MAX;
	std::vector<CorePiece> pieces;
	uint64_t cursor = vaddr;
	for (auto it = first_segment_ending_after(vaddr); it != segments_.end() && cursor < end;
	     ++it) {
		if (it->vaddr >= end)
			break;
		if (it->vaddr > cursor)
			append_piece(pieces, {cursor, it->vaddr - cursor, std::nullopt,
					      AbsentReason::unmapped});
		append_segment_pieces(pieces, *it, cursor, end);
		cursor = std::min(it->vaddr + it->memsz, end);
	}
	if (cursor < end)
		append_piece(pieces, {cursor, end - cursor, std::nullopt, AbsentReason::unmapped});
	return pieces;
}

// Where in the file vaddr is, and how many bytes of its segment the file holds from there on; or
// why vaddr is absent.
Result<ProcessCore::FileSpan> ProcessCore::present_at(uint64_t vaddr) const
{
	auto it = first_segment_ending_after(vaddr);
	AbsentReason reason = AbsentReason::unmapped;
	if (it != segments_.end() && it->vaddr <= vaddr) {
		uint64_t offset = vaddr - it->vaddr;
		if (offset < it->present)
			return FileSpan{it->offset + offset, it->present - offset};
		reason = offset < it->filesz ? AbsentReason::truncated : AbsentReason::not_dumped;
	}
	if (pid_)
		return error(ErrorCode::absent,
			     "host address " + hex(vaddr) + " is not mapped in the process", vaddr);
	return error(ErrorCode::absent,
		     "host address " + hex(vaddr) + " is not in the core (" + to_string(reason) +
			     ")",
		     vaddr);
}

Result<void> ProcessCore::read(uint64_t vaddr, void *dst, size_t length) const
{
	auto *out = static_cast<std::byte *>(dst);
	// A span ends inside its segment, whose end does not wrap: vaddr cannot wrap either.
	while (length > 0) {
		auto span = present_at(vaddr);
		if (!span.ok())
			return span.take_error();
		size_t n = static_cast<size_t>(std::min<uint64_t>(length, span->length));
		VMCOREFS_TRY(source_->read(span->offset, out, n));
		out += n;
		vaddr += n;
		length -= n;
	}
	return {};
}

Result<uint64_t> ProcessCore::read_u64(uint64_t vaddr) const
{
	std::byte bytes[8];
	VMCOREFS_TRY(read(vaddr, bytes, sizeof bytes));
	return load_le<uint64_t>(bytes);
}

Result<uint32_t> ProcessCore::read_u32(uint64_t vaddr) const
{
	std::byte bytes[4];
	VMCOREFS_TRY(read(vaddr, bytes, sizeof bytes));
	return load_le<uint32_t>(bytes);
}

Result<std::string> ProcessCore::read_string(uint64_t vaddr, size_t max_length) const
{
	std::string text;
	char buffer[256];
	while (text.size() < max_length) {
		auto span = present_at(vaddr + text.size());
		if (!span.ok())
			return span.take_error();
		size_t n = static_cast<size_t>(std::min<uint64_t>(
			{span->length, max_length - text.size(), sizeof buffer}));
		VMCOREFS_TRY(source_->read(span->offset, buffer, n));
		size_t length = strnlen(buffer, n);
		text.append(buffer, length);
		if (length < n)
			return text;
	}
	return error(ErrorCode::corrupt,
		     "no NUL in the " + std::to_string(max_length) + " bytes at " + hex(vaddr),
		     vaddr);
}

} // namespace vmcorefs
