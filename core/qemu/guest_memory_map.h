// GuestMemoryMap: what the QEMU walker found in a process core, in QEMU's own terms, and each
// guest-physical block resolved to bytes of the core. It is the only input of the vmcore layout,
// of `--info` and of the mounted files; it holds no pointers into QEMU's memory, only values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "source/process_core.h"

namespace vmcorefs {

// QEMU's GuestPhysBlock: guest-physical [start, end) backed by host memory at host.
struct GuestBlock {
	uint64_t start = 0;
	uint64_t end = 0; // exclusive
	uint64_t host = 0;
};

// A run of guest-physical memory that is contiguous in the core file.
struct GuestChunk {
	uint64_t guest = 0;
	uint64_t length = 0;
	uint64_t core_offset = 0;
};

// A maximal guest-physical range, inside one GuestBlock, all of whose bytes are in the core: one
// PT_LOAD of guest.vmcore and one file in blocks/. Chunks are in address order and cover
// [start, end) exactly.
struct GuestSegment {
	uint64_t start = 0;
	uint64_t end = 0; // exclusive
	std::vector<GuestChunk> chunks;
};

// Guest memory QEMU would have dumped that the core does not contain.
struct AbsentRange {
	uint64_t start = 0;
	uint64_t end = 0; // exclusive
	uint64_t host = 0;
	AbsentReason reason = AbsentReason::unmapped;
};

// A virtual address range of the guest kernel mapped onto guest-physical memory that a segment
// already holds: one more PT_LOAD of guest.vmcore, sharing that segment's file bytes.
struct MemoryAlias {
	uint64_t vaddr = 0;
	uint64_t paddr = 0; // inside one GuestSegment, with [paddr, paddr + length)
	uint64_t length = 0;
};

// One RAMBlock of ram_list.blocks, with its host bytes resolved against the core.
struct RamBlockInfo {
	std::string idstr;
	uint64_t host = 0;
	uint64_t offset = 0; // ram_addr_t
	uint64_t used_length = 0;
	uint64_t max_length = 0;
	uint32_t flags = 0;
	int32_t fd = -1;
	std::vector<CorePiece> pieces; // [host, host + used_length) in the core
};

// EI_CLASS of guest.vmcore. The architecture code chooses it as dump-guest-memory does (x86:
// ELFCLASS32 for a guest outside long mode whose blocks all end below 4 GiB).
enum class ElfClass : uint8_t { elf32 = 1, elf64 = 2 }; // ELFCLASS32, ELFCLASS64

// A vCPU as `info` describes it.
struct VcpuSummary {
	int32_t cpu_index = 0;
	bool registers_current = true; // false: stale (KVM had not synchronised), no notes for it
};

struct GuestMemoryMap {
	std::string qemu_version; // e.g. "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)"
	std::string machine;      // e.g. "pc-i440fx-7.2"
	std::string accelerator;  // "tcg", "kvm" or "unknown"

	std::vector<GuestBlock> blocks;     // QEMU's list, in QEMU's order
	std::vector<GuestSegment> segments; // blocks split where memory is absent, in guest order
	std::vector<AbsentRange> absent;    // what the split left out
	std::vector<MemoryAlias> aliases;   // PT_LOADs after the segments' (the kernel text)
	std::vector<RamBlockInfo> ramblocks;

	// Notes for guest.vmcore's PT_NOTE, complete ELF notes (header, name, desc, padding) in the
	// order they are written. Empty when none are known.
	std::vector<std::byte> notes;
	uint16_t elf_machine = 62; // EM_X86_64
	ElfClass elf_class = ElfClass::elf64;
	std::vector<VcpuSummary> vcpus;
	std::string vmcoreinfo_source; // where VMCOREINFO came from; empty when there is none
	std::string vmcoreinfo;        // its text, "KEY=VALUE\n" lines; empty when there is none

	// Lines for the user: facts worth saying at mount and in `info` (stale registers, no
	// VMCOREINFO, which DWARF names matched...).
	std::vector<std::string> warnings;
};

} // namespace vmcorefs
