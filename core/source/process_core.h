// ProcessCore: a QEMU process's memory and what the kernel says about the process (mappings,
// auxiliary vector, name), from one of two sources: a Linux process core file (ET_CORE), written
// by the kernel or by gdb's gcore, opened read-only and read with pread (open); or a live process,
// read through /proc/PID (attach, live_process.cc). It answers "where in the source are the bytes
// of this host virtual range" (file offsets of a core; for a process, the addresses themselves),
// and tells apart memory that is there (possibly as a file hole, which reads as zeros and is real
// memory) from memory the core does not contain at all (absent).
//
// Every offset and length taken from the file is checked against the real file size with
// overflow-safe arithmetic at open; PT_LOADs are not assumed to be sorted (kernel.core_sort_vma).
// Only ELF64 little-endian x86_64 cores are accepted. Open fails (corrupt) on PT_LOADs that
// overlap in memory, wrap around the address space, have p_filesz > p_memsz or share bytes of
// the file with each other, the headers or the notes, and on notes that overflow their segment
// or contradict themselves; empty PT_LOADs are ignored. Missing or unreadable executable memory
// is not an error: those fields stay empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "base/error.h"
#include "source/memory_source.h"

typedef struct Elf Elf;

namespace vmcorefs {

// One PT_LOAD of the core. [vaddr, vaddr + memsz) is the mapping; its first `present` bytes are in
// the file at `offset` (present <= filesz: filesz clamped to what the file really holds).
struct CoreSegment {
	uint64_t vaddr = 0;
	uint64_t memsz = 0;
	uint64_t offset = 0;
	uint64_t filesz = 0;  // as the program header says
	uint64_t present = 0; // what the file really holds (less than filesz when truncated)
	uint32_t flags = 0;   // PF_R | PF_W | PF_X
};

// Why a piece of host memory is not in the core.
enum class AbsentReason {
	// p_filesz < p_memsz: the kernel or gcore left it out (coredump_filter, MADV_DONTDUMP)
	not_dumped,
	truncated, // the header promises it, the file ends before it
	unmapped,  // no PT_LOAD covers it
};

const char *to_string(AbsentReason reason);

// A piece of a translated host range: either in the file at file_offset, or absent.
struct CorePiece {
	uint64_t vaddr = 0;
	uint64_t length = 0;
	std::optional<uint64_t> file_offset;          // nullopt: absent
	AbsentReason reason = AbsentReason::unmapped; // meaningful when absent
	bool present() const { return file_offset.has_value(); }
};

// One NT_FILE entry. file_offset is in bytes whatever page-size convention the writer used
// (the kernel writes pages, gdb's gcore writes bytes with page_size 1).
struct FileMapping {
	uint64_t start = 0;
	uint64_t end = 0;
	uint64_t file_offset = 0;
	std::string path;
};

class ProcessCore {
public:
	// Opens, maps and validates the core. Errors: not_elf, not_core, unsupported (another
	// class, byte order or machine), truncated, corrupt; io and usage from MappedFile.
	static Result<std::unique_ptr<ProcessCore>> open(const std::string &path);
	// The live process pid: its mappings from /proc/PID/maps (each one present whole), its
	// auxiliary vector, name and executable from /proc/PID. Errors: those of
	// ProcessMemory::open, io.
	static Result<std::unique_ptr<ProcessCore>> attach(pid_t pid);
	~ProcessCore();
	ProcessCore(const ProcessCore &) = delete;
	ProcessCore &operator=(const ProcessCore &) = delete;

	// The core's path, or "process PID".
	const std::string &path() const { return source_->path(); }
	const MemorySource &source() const { return *source_; }
	// The live process read, if this is one.
	std::optional<pid_t> pid() const { return pid_; }
	// A live process whose every thread is stopped now (SIGSTOP, ptrace); false for a core.
	bool stopped() const;
	// libelf's handle of the core, for libdwfl (dwfl_core_file_report); null for a process.
	Elf *elf() const { return elf_; }

	// PT_LOADs sorted by vaddr.
	std::span<const CoreSegment> segments() const { return segments_; }

	// Splits [vaddr, vaddr + length) into maximal pieces, in address order, each either present
	// (contiguous in the file) or absent with a reason. Never fails; overflowing ranges are
	// clamped to the top of the address space.
	std::vector<CorePiece> translate(uint64_t vaddr, uint64_t length) const;

	// Copies host memory out of the core (holes read as zeros). Error absent, `at` the first
	// absent address, if any byte is absent; dst may then have been partly written.
	Result<void> read(uint64_t vaddr, void *dst, size_t length) const;
	Result<uint64_t> read_u64(uint64_t vaddr) const; // little-endian
	Result<uint32_t> read_u32(uint64_t vaddr) const;
	// A NUL-terminated string whose NUL lies within the max_length bytes at vaddr (so at most
	// max_length - 1 characters, as in a char[max_length]). Errors: absent, or corrupt when
	// there is no NUL in those bytes.
	Result<std::string> read_string(uint64_t vaddr, size_t max_length) const;

	// From the notes.
	std::span<const FileMapping> file_mappings() const { return file_mappings_; }
	std::optional<uint64_t> auxv(uint64_t type) const;
	// The executable: its path as the core records it (NT_FILE entry holding AT_PHDR), its load
	// bias (AT_PHDR - p_vaddr of PT_PHDR) and its GNU build-id read from the core's memory.
	// Empty/nullopt when the core does not tell.
	const std::string &executable_path() const { return executable_path_; }
	// Where the executable is opened: executable_path(), or for a process /proc/PID/exe, which
	// is the binary it runs even after that was replaced or deleted on disk.
	const std::string &executable_file() const
	{
		return executable_file_.empty() ? executable_path_ : executable_file_;
	}
	std::optional<uint64_t> load_bias() const { return load_bias_; }
	const std::vector<uint8_t> &executable_build_id() const { return build_id_; }
	// The process name from NT_PRPSINFO (pr_fname), e.g. "qemu-system-x86".
	const std::string &command() const { return command_; }

private:
	explicit ProcessCore(std::unique_ptr<MemorySource> source) : source_(std::move(source)) {}
	Error error(ErrorCode code, std::string message,
		    std::optional<uint64_t> at = std::nullopt) const;
	Result<void> parse();
	Result<void> open_elf();
	Result<void> parse_segments();
	Result<void> parse_notes();
	Result<void> check_file_ranges() const;
	Result<void> parse_core_note(uint32_t type, std::span<const std::byte> desc,
				     uint64_t offset);
	Result<void> parse_file_note(std::span<const std::byte> desc, uint64_t offset);
	Result<void> parse_auxv_note(std::span<const std::byte> desc, uint64_t offset);
	Result<void> parse_prpsinfo_note(std::span<const std::byte> desc, uint64_t offset);
	// live_process.cc
	Result<void> read_proc_maps(const std::string &proc_dir);
	Result<void> read_proc_auxv(const std::string &proc_dir);
	void find_executable();
	std::vector<CoreSegment>::const_iterator first_segment_ending_after(uint64_t vaddr) const;
	struct FileSpan {
		uint64_t offset, length;
	};
	// Where vaddr is in the file, up to the end of its segment's present part, or an absent
	// error.
	Result<FileSpan> present_at(uint64_t vaddr) const;

	std::unique_ptr<MemorySource> source_;
	std::optional<pid_t> pid_;
	Elf *elf_ = nullptr;
	size_t phnum_ = 0; // program headers, checked to lie in the file
	std::vector<CoreSegment> segments_;
	std::vector<FileMapping> file_mappings_;
	std::vector<std::pair<uint64_t, uint64_t>> auxv_;
	std::string executable_path_;
	std::string executable_file_;
	std::optional<uint64_t> load_bias_;
	std::vector<uint8_t> build_id_;
	std::string command_;
};

} // namespace vmcorefs
