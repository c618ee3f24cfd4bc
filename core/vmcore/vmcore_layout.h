// The byte layout of every file vmcorefs serves, as ExtentTables built from a GuestMemoryMap:
// guest.vmcore (an ELF vmcore as QEMU's dump-guest-memory writes it, docs/ARCHITECTURE.md section
// 3), one raw file per guest segment (blocks/) and one per QEMU RAMBlock (ramblocks/).
//
// guest.vmcore, in the class the map chooses (ELFCLASS64 sizes; ELFCLASS32 ones in brackets):
//
//	0                   Elf64_Ehdr (e_ehsize 64 [52], e_phoff 64 [52])
//	e_phoff             Elf64_Phdr[phnum] (56 [32] bytes each): PT_NOTE, then one PT_LOAD per
//	                    GuestSegment
//	e_phoff + phdrs     Elf64_Shdr[0] (64 [40]), only when phnum >= PN_XNUM (its sh_info holds
//	                    phnum)
//	notes_offset        the map's notes, as they are
//	memory_offset       next multiple of 4096 after the notes; the segments back to back
//
// Everything before memory_offset is one generated extent (headers, notes, zero padding); every
// GuestChunk is one core extent. Nothing is absent in guest.vmcore: absent memory has no PT_LOAD.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "qemu/guest_memory_map.h"
#include "vmcore/extent_table.h"

namespace vmcorefs {

// Guest memory starts at a multiple of this in guest.vmcore, so that every guest page lies on
// whole pages of the served file (and of the core, whose segments are page-aligned).
inline constexpr uint64_t vmcore_memory_alignment = 4096;

// guest.vmcore. Errors (bad_structure) when the map's segments are not sorted and disjoint, or
// their chunks do not cover them exactly, or an ELFCLASS32 file cannot hold them; the other
// builders below assume a map that passed here.
Result<ExtentTable> build_vmcore_table(const GuestMemoryMap &map);

// blocks/<name>: the raw bytes of guest-physical [segment.start, segment.end).
ExtentTable build_segment_table(const GuestSegment &segment);
// "<start>-<end>", 16 lower-case hex digits each, end exclusive:
// "0000000000000000-00000000000a0000".
std::string segment_file_name(const GuestSegment &segment);

// ramblocks/<name>: the RAMBlock's host bytes [host, host + used_length); pieces the core does
// not hold are Source::absent (a read there fails with EIO).
ExtentTable build_ramblock_table(const RamBlockInfo &block);
// The RAMBlock's idstr made into one safe file name, reversibly: every byte outside '!'..'~'
// (controls, space, DEL, non-ASCII) and '/' and '%' becomes '%' and two upper-case hex digits
// ("0000:00:02.0/vga.vram" → "0000:00:02.0%2Fvga.vram", "50%" → "50%25"). "." and ".." become
// "%2E" and "%2E%2E"; an empty idstr becomes "%00" (no idstr holds a NUL, so it is unambiguous).
std::string ramblock_file_name(const std::string &idstr);

} // namespace vmcorefs
