// VmcoreView: an ELF vmcore read back, whether a file QEMU wrote or the bytes vmcorefs serves:
// its class (ELFCLASS64, or ELFCLASS32 as QEMU writes it for some i386 guests), its PT_LOADs and
// its notes, parsed with bounds checks from any source of bytes. --compare and the tests use it
// to hold the two side by side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "source/mapped_file.h"
#include "vmcore/extent_table.h"

namespace vmcorefs {

struct VmcoreLoad {
	uint64_t paddr = 0;
	uint64_t vaddr = 0;
	uint64_t offset = 0;
	uint64_t filesz = 0;
	uint64_t memsz = 0;
};

struct VmcoreNote {
	std::string name; // without the NUL
	uint32_t type = 0;
	std::vector<std::byte> desc;
	uint64_t offset = 0; // of the note header in the file
};

class VmcoreView {
public:
	// Reads `length` bytes at `offset` of the vmcore into dst.
	using Reader = std::function<Result<void>(uint64_t offset, void *dst, size_t length)>;

	// name is the file named in errors.
	static Result<VmcoreView> parse(std::string name, uint64_t size, Reader reader);
	// The view reads the file when asked: the file must outlive it.
	static Result<VmcoreView> parse(const MappedFile &file);

	const std::string &name() const { return name_; }
	uint8_t elf_class() const { return class_; } // ELFCLASS32 or ELFCLASS64
	uint16_t machine() const { return machine_; }
	const std::vector<VmcoreLoad> &loads() const { return loads_; }
	const std::vector<VmcoreNote> &notes() const { return notes_; }
	Result<void> read(uint64_t offset, void *dst, size_t length) const
	{
		return reader_(offset, dst, length);
	}

private:
	Result<void> parse_headers();
	template <typename Ehdr, typename Phdr, typename Shdr>
	Result<void> parse_headers_of(const std::byte *ehdr);
	Result<void> parse_notes(uint64_t offset, uint64_t size);

	std::string name_;
	uint64_t size_ = 0;
	Reader reader_;
	uint8_t class_ = 0;
	uint16_t machine_ = 0;
	std::vector<VmcoreLoad> loads_;
	std::vector<VmcoreNote> notes_;
};

// The bytes of a served file: its ExtentTable over the core, read with pread. Absent extents and
// bytes past the end of the core are errors.
Result<void> read_served(const ExtentTable &table, const MemorySource &core, uint64_t offset,
			 void *dst, size_t length);

} // namespace vmcorefs
