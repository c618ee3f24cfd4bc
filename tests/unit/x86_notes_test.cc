// The x86 choices dump-guest-memory makes from the vCPUs and the block list: ELF machine, ELF
// class and the flavour of NT_PRSTATUS (target/i386/arch_dump.c, QEMU 7.2 and 10.0).
#include "arch/x86_notes.h"

#include <elf.h>
#include <gtest/gtest.h>

#include "base/byte_order.h"

namespace vmcorefs {
namespace {

constexpr uint32_t hf_lma = 1 << 14;

TEST(X86Notes, ElfClassFollowsQemusBlockTest)
{
	const std::vector<GuestBlock> below{{0, 0x8000000, 0}, {0xfff00000, 0xffffffff, 0}};
	const std::vector<GuestBlock> rom{{0, 0x8000000, 0}, {0xfffc0000, 0x100000000, 0}};
	const std::vector<GuestBlock> above{{0, 0x4000000, 0}, {0x100000000, 0x104000000, 0}};
	EXPECT_EQ(x86_elf_class(EM_386, below), ElfClass::elf32);
	EXPECT_EQ(x86_elf_class(EM_386, {}), ElfClass::elf32);
	// QEMU compares the exclusive end with UINT_MAX: a BIOS ROM ending at 4 GiB is "above".
	EXPECT_EQ(x86_elf_class(EM_386, rom), ElfClass::elf64);
	EXPECT_EQ(x86_elf_class(EM_386, above), ElfClass::elf64);
	EXPECT_EQ(x86_elf_class(EM_X86_64, below), ElfClass::elf64);
}

X86CpuState cpu(int32_t index, uint32_t hflags)
{
	X86CpuState s;
	s.cpu_index = index;
	s.hflags = hflags;
	for (int i = 0; i < 16; i++)
		s.regs[i] = uint64_t{0xabcd0000} << 32 | static_cast<uint64_t>(i);
	s.rip = 0xffffffff000f1234;
	s.eflags = 0x246;
	s.segs[1].selector = 0x08; // cs
	return s;
}

// Outside long mode (the first vCPU decides): EM_386 and the 144-byte i386 elf_prstatus, with
// pid = cpu_index + 1 at 24 and 32-bit registers from 72 (ebx first, eip at 72 + 48).
TEST(X86Notes, FirstVcpuOutsideLongModeGivesI386Notes)
{
	X86Cpus cpus{{cpu(0, 0), cpu(1, hf_lma)}};
	X86Notes notes = build_x86_notes(cpus, 440);
	EXPECT_EQ(notes.elf_machine, EM_386);
	const std::byte *note = notes.bytes.data();
	ASSERT_GE(notes.bytes.size(), 20u + 144);
	EXPECT_EQ(load_le<uint32_t>(note + 4), 144u); // descsz
	EXPECT_EQ(load_le<uint32_t>(note + 8), uint32_t{NT_PRSTATUS});
	const std::byte *desc = note + 20;
	EXPECT_EQ(load_le<uint32_t>(desc + 24), 1u);
	EXPECT_EQ(load_le<uint32_t>(desc + 72), 3u);               // ebx: the low half of regs[3]
	EXPECT_EQ(load_le<uint32_t>(desc + 72 + 48), 0x000f1234u); // eip
	EXPECT_EQ(load_le<uint16_t>(desc + 72 + 52), 0x08u);       // cs
	// Two 164-byte NT_PRSTATUS notes, then two QEMU notes of 20 + 440 bytes.
	EXPECT_EQ(notes.bytes.size(), 2 * (20u + 144) + 2 * (20u + 440));
	EXPECT_EQ(load_le<uint32_t>(note + 164 + 20 + 24), 2u); // the second vCPU's pid

	cpus.cpus[0].hflags = hf_lma;
	EXPECT_EQ(build_x86_notes(cpus, 440).elf_machine, EM_X86_64);
}

// The kernel's page tables come from the first vCPU whose registers are current and that pages in
// long mode: not from a stale one (boot state), nor one in real mode.
TEST(X86Notes, PagingFromTheFirstCurrentVcpuInLongMode)
{
	X86Cpus cpus{{cpu(0, hf_lma), cpu(1, 0), cpu(2, hf_lma), cpu(3, hf_lma)}};
	cpus.cpus[0].current = false;
	cpus.cpus[0].cr[0] = 0x80050033;
	cpus.cpus[0].cr[3] = 0x1000;
	cpus.cpus[2].cr[0] = 0x80050033;
	cpus.cpus[2].cr[3] = 0x7a10000 | 0x801;
	cpus.cpus[2].cr[4] = 0x1000; // LA57
	cpus.cpus[3].cr[0] = 0x80050033;
	cpus.cpus[3].cr[3] = 0x9000;
	auto paging = build_x86_notes(cpus, 440).paging;
	ASSERT_TRUE(paging);
	EXPECT_EQ(paging->cr3, 0x7a10801u);
	EXPECT_TRUE(paging->five_level);
	cpus.cpus[2].cr[0] = 0x33; // paging off (the flag LMA alone does not say so)
	cpus.cpus[3].current = false;
	EXPECT_FALSE(build_x86_notes(cpus, 440).paging);
}

} // namespace
} // namespace vmcorefs
