// The aarch64 CPU notes against the kernel's ELF ABI (what crash, drgn and gdb read): note order,
// names, types and sizes as target/arm/arch_dump.c writes them, and each register at its offset in
// struct elf_prstatus and struct user_fpsimd_state.
#include "arch/aarch64_notes.h"

#include <cstring>
#include <elf.h>
#include <gtest/gtest.h>

#include "base/byte_order.h"

namespace vmcorefs {
namespace {

struct Note {
	std::string name;
	uint32_t type;
	std::vector<std::byte> desc;
};

std::vector<Note> parse(const std::vector<std::byte> &bytes)
{
	std::vector<Note> out;
	for (size_t at = 0; at + 12 <= bytes.size();) {
		uint32_t namesz = load_le<uint32_t>(bytes.data() + at);
		uint32_t descsz = load_le<uint32_t>(bytes.data() + at + 4);
		uint32_t type = load_le<uint32_t>(bytes.data() + at + 8);
		size_t desc = at + 12 + (namesz + 3) / 4 * 4;
		auto name_at = reinterpret_cast<const char *>(bytes.data() + at + 12);
		std::string name(name_at, namesz - 1);
		out.push_back({name, type, {bytes.begin() + desc, bytes.begin() + desc + descsz}});
		at = desc + (descsz + 3) / 4 * 4;
	}
	return out;
}

Aarch64CpuState cpu(int32_t index)
{
	Aarch64CpuState s;
	s.cpu_index = index;
	for (int i = 0; i < 31; i++)
		s.x[i] = 0x1000 + i;
	s.sp = 0xffff800008003f00;
	s.pc = 0xffff8000080a1234;
	s.pstate = 0x600003c5;
	for (int i = 0; i < 32; i++)
		s.v[i][0] = 0x2000 + i, s.v[i][1] = 0x3000 + i;
	s.fpsr = 0x10;
	s.fpcr = 0x3000000;
	return s;
}

TEST(Aarch64Notes, PrstatusThenPrfpregPerVcpu)
{
	auto notes = parse(build_aarch64_notes({cpu(0), cpu(1)}).bytes);
	ASSERT_EQ(notes.size(), 4u);
	for (size_t i = 0; i < 4; i++) {
		EXPECT_EQ(notes[i].name, "CORE");
		EXPECT_EQ(notes[i].type, i % 2 == 0 ? uint32_t{NT_PRSTATUS} : uint32_t{NT_PRFPREG});
		EXPECT_EQ(notes[i].desc.size(), i % 2 == 0 ? 392u : 528u);
	}
	EXPECT_EQ(load_le<uint32_t>(notes[2].desc.data() + 32), 2u) << "pr_pid = cpu_index + 1";
}

TEST(Aarch64Notes, RegistersAtTheirAbiOffsets)
{
	auto notes = parse(build_aarch64_notes({cpu(0)}).bytes);
	ASSERT_EQ(notes.size(), 2u);
	const std::byte *regs = notes[0].desc.data() + 112;   // pr_reg
	EXPECT_EQ(load_le<uint64_t>(regs), 0x1000u);          // x0
	EXPECT_EQ(load_le<uint64_t>(regs + 30 * 8), 0x101eu); // x30
	EXPECT_EQ(load_le<uint64_t>(regs + 31 * 8), 0xffff800008003f00u);
	EXPECT_EQ(load_le<uint64_t>(regs + 32 * 8), 0xffff8000080a1234u);
	EXPECT_EQ(load_le<uint64_t>(regs + 33 * 8), 0x600003c5u);
	EXPECT_EQ(load_le<uint32_t>(notes[0].desc.data() + 384), 1u) << "pr_fpvalid";
	const std::byte *fp = notes[1].desc.data();
	EXPECT_EQ(load_le<uint64_t>(fp + 31 * 16), 0x201fu) << "v31, low half";
	EXPECT_EQ(load_le<uint64_t>(fp + 31 * 16 + 8), 0x301fu) << "v31, high half";
	EXPECT_EQ(load_le<uint32_t>(fp + 512), 0x10u);
	EXPECT_EQ(load_le<uint32_t>(fp + 516), 0x3000000u);
}

// The ptrace SVE layout for a 512-bit vector length (vq 4) and a 2048-bit maximum (vq 16): the
// sizes QEMU 7.2 wrote for -cpu max (descsz 0x8b0).
TEST(Aarch64Notes, SveNoteAfterPrfpreg)
{
	Aarch64CpuState s = cpu(0);
	Aarch64Sve sve{4, 16, std::vector<std::byte>(32 * 64), std::vector<std::byte>(17 * 8)};
	sve.z[31 * 64] = std::byte{0xaa}; // z31, first byte
	sve.p[16 * 8] = std::byte{0xbb};  // FFR, first byte
	s.sve = sve;
	auto notes = parse(build_aarch64_notes({s}).bytes);
	ASSERT_EQ(notes.size(), 3u);
	EXPECT_EQ(notes[2].name, "LINUX");
	EXPECT_EQ(notes[2].type, uint32_t{NT_ARM_SVE});
	const std::byte *d = notes[2].desc.data();
	ASSERT_EQ(notes[2].desc.size(), 0x8b0u);
	EXPECT_EQ(load_le<uint32_t>(d), 0x8b0u);                            // size
	EXPECT_EQ(load_le<uint32_t>(d + 4), 16u + 32 * 256 + 17 * 32 + 16); // max_size
	EXPECT_EQ(load_le<uint16_t>(d + 8), 64u);                           // vl
	EXPECT_EQ(load_le<uint16_t>(d + 10), 256u);                         // max_vl
	EXPECT_EQ(load_le<uint16_t>(d + 12), 1u);                           // SVE_PT_REGS_SVE
	EXPECT_EQ(d[16 + 31 * 64], std::byte{0xaa});
	EXPECT_EQ(d[16 + 32 * 64 + 16 * 8], std::byte{0xbb});
	EXPECT_EQ(load_le<uint32_t>(d + 2208), 0x10u);      // fpsr, 16-byte aligned
	EXPECT_EQ(load_le<uint32_t>(d + 2212), 0x3000000u); // fpcr
}

TEST(Aarch64Notes, StaleVcpuGetsNoNotesAndAWarning)
{
	Aarch64CpuState stale = cpu(1);
	stale.current = false;
	stale.stale_reason = "KVM had not synchronised them with QEMU";
	Aarch64Notes notes = build_aarch64_notes({cpu(0), stale});
	EXPECT_EQ(parse(notes.bytes).size(), 2u);
	ASSERT_EQ(notes.warnings.size(), 1u);
	EXPECT_NE(notes.warnings[0].find("vCPU 1: registers are stale (KVM had not synchronised "
					 "them with QEMU)"),
		  std::string::npos);
}

} // namespace
} // namespace vmcorefs
