// CoreBuilder writes small synthetic Linux process cores (ET_CORE, ELF64 little-endian, x86_64) for
// unit tests, laid out as the kernel lays them out: ELF header, program headers (PT_NOTE first,
// then the PT_LOADs in the order they were added), notes, then each PT_LOAD's data at a
// page-aligned offset. Data not written with add_load/poke is a real hole of a sparse file.
//
//     TempDir dir;
//     CoreBuilder b;
//     size_t ram = b.add_sparse_load(0x7f0000000000, 0x10000, 0x20000); // half dumped, a hole
//     b.poke_u64(0x7f0000000100, 42);
//     b.add_load(0x400000, {1, 2, 3});
//     b.add_auxv({{AT_PAGESZ, 4096}});
//     b.write(dir.file("core"));  // 42 is now at file offset b.file_offset(ram) + 0x100
//
// Corrupt and truncated cores: edit_headers changes any header field just before writing, and
// truncate_at cuts the written file. Errors (bad poke, failed write) throw std::runtime_error,
// which GoogleTest reports as a failure of the test.
#pragma once

#include <cstdint>
#include <elf.h>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vmcorefs::test {

using Bytes = std::vector<uint8_t>;

// A scratch directory, removed with its contents on destruction.
class TempDir {
public:
	TempDir();
	~TempDir();
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	const std::string &path() const { return path_; }
	std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
	std::string path_;
};

// One NT_FILE entry; file_offset in bytes whatever page size the note is written with.
struct FileNoteEntry {
	uint64_t start = 0;
	uint64_t end = 0;
	uint64_t file_offset = 0;
	std::string path;
};

// The headers as they are about to be written; shdr0 only when pn_xnum is set. Edits must keep
// the number of program headers.
struct CoreHeaders {
	Elf64_Ehdr ehdr;
	std::vector<Elf64_Phdr> phdrs; // phdrs[0] is the PT_NOTE
	Elf64_Shdr shdr0;
};

// An ELF note as it is laid out in a note segment: header, name, descriptor, padded to `align`.
Bytes encode_note(const std::string &name, uint32_t type, const Bytes &desc, uint64_t align = 4);

// The first page of a PIE executable as the kernel dumps it (the ELF-header page): ELF header,
// executable_phnum program headers at executable_phdr_offset (PT_PHDR, PT_LOAD at vaddr 0, and a
// p_align 8 PT_NOTE at 0x200 holding a property note whose descriptor needs padding to 8, then
// the NT_GNU_BUILD_ID). Put it in a PT_LOAD at the load bias, with AT_PHDR = bias +
// executable_phdr_offset, AT_PHENT and AT_PHNUM in the auxv and an NT_FILE entry for it.
constexpr uint64_t executable_phdr_offset = 0x40;
constexpr uint64_t executable_phnum = 3;
Bytes executable_page(const Bytes &build_id);

class CoreBuilder {
public:
	// A PT_LOAD at vaddr whose p_filesz is bytes.size(), all written; p_memsz is memsz, or
	// bytes.size() when memsz is 0. Returns its index for file_offset().
	size_t add_load(uint64_t vaddr, const Bytes &bytes, uint64_t memsz = 0,
			uint32_t flags = PF_R | PF_W);
	// A PT_LOAD with p_filesz `filesz`, a file hole except what poke() writes into it.
	size_t add_sparse_load(uint64_t vaddr, uint64_t filesz, uint64_t memsz = 0,
			       uint32_t flags = PF_R | PF_W);
	// Writes bytes at host address vaddr, which must lie in the file part of one PT_LOAD.
	void poke(uint64_t vaddr, const Bytes &bytes);
	void poke_u64(uint64_t vaddr, uint64_t value);

	void add_note(const std::string &name, uint32_t type, const Bytes &desc);
	// CORE notes as the kernel writes them (x86_64 layouts).
	void add_prstatus(uint32_t pid);
	void add_prpsinfo(const std::string &fname);
	void add_auxv(const std::vector<std::pair<uint64_t, uint64_t>> &entries); // AT_NULL added
	// page_size 4096: the kernel's convention (file_ofs in pages); 1: gdb gcore's (bytes).
	void add_file_note(const std::vector<FileNoteEntry> &entries, uint64_t page_size = 4096);

	// e_phnum = PN_XNUM with the real count in section header 0, whatever the count.
	bool pn_xnum = false;
	// Called with the headers just before they are written.
	std::function<void(CoreHeaders &)> edit_headers;
	// Cut the file to this many bytes after writing it.
	std::optional<uint64_t> truncate_at;

	// Writes the core, replacing any file at path.
	void write(const std::string &path) const;
	// Where load `index`'s data starts in the file written by write().
	uint64_t file_offset(size_t index) const;
	// The size write() gives the file before truncate_at.
	uint64_t file_size() const;

private:
	struct Load {
		uint64_t vaddr, filesz, memsz;
		uint32_t flags;
		std::vector<std::pair<uint64_t, Bytes>> chunks; // {offset in the load, bytes}
	};
	Bytes notes_;
	std::vector<Load> loads_;

	uint64_t notes_offset() const;
	uint64_t shdr_offset() const;
	uint64_t data_offset() const;
	CoreHeaders headers() const;
};

} // namespace vmcorefs::test
