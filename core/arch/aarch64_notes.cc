#include "arch/aarch64_notes.h"

#include <algorithm>
#include <elf.h>

#include "base/byte_order.h"
#include "base/elf_note.h"

namespace vmcorefs {
namespace {

// arm64 struct elf_prstatus (Linux UAPI): 392 bytes; pr_pid at 32, pr_reg (user_pt_regs: x0-x30,
// sp, pc, pstate) at 112, pr_fpvalid after it.
constexpr size_t prstatus_size = 392;
constexpr size_t pid_offset = 32;
constexpr size_t regs_offset = 112;
constexpr size_t fpvalid_offset = regs_offset + 34 * 8;
// struct user_fpsimd_state: 528 bytes; v0-v31 (128 bits each, low half first), fpsr, fpcr.
constexpr size_t fpsimd_size = 528;
constexpr size_t fpsr_offset = 32 * 16;

std::vector<std::byte> prstatus(const Aarch64CpuState &s)
{
	std::vector<std::byte> d(prstatus_size);
	store_le<uint32_t>(d.data() + pid_offset, static_cast<uint32_t>(s.cpu_index + 1));
	std::byte *regs = d.data() + regs_offset;
	for (int i = 0; i < 31; i++)
		store_le<uint64_t>(regs + 8 * i, s.x[i]);
	store_le<uint64_t>(regs + 8 * 31, s.sp);
	store_le<uint64_t>(regs + 8 * 32, s.pc);
	store_le<uint64_t>(regs + 8 * 33, s.pstate);
	// QEMU always says the FP registers are valid: NT_PRFPREG follows.
	store_le<uint32_t>(d.data() + fpvalid_offset, 1);
	return d;
}

// The ptrace SVE register layout (arch/arm64/include/uapi/asm/sigcontext.h, SVE_PT_SVE_*) for
// vq quadwords: the 16-byte header, z0..z31, p0..p15 and FFR, FPSR and FPCR on a 16-byte boundary,
// the whole rounded up to 16 bytes.
constexpr size_t sve_header_size = 16;
constexpr uint16_t sve_pt_regs_sve = 1; // flags: the registers are in SVE layout, not FPSIMD

size_t round_up_16(size_t n)
{
	return (n + 15) / 16 * 16;
}

size_t sve_fpsr_offset(uint32_t vq)
{
	return round_up_16(sve_header_size + 32 * vq * 16 + 17 * vq * 2);
}

size_t sve_size(uint32_t vq)
{
	return round_up_16(sve_fpsr_offset(vq) + 8);
}

std::vector<std::byte> sve(const Aarch64CpuState &s)
{
	const Aarch64Sve &sve = *s.sve;
	std::vector<std::byte> d(sve_size(sve.vq));
	store_le<uint32_t>(d.data(), static_cast<uint32_t>(d.size()));
	store_le<uint32_t>(d.data() + 4, static_cast<uint32_t>(sve_size(sve.max_vq)));
	store_le<uint16_t>(d.data() + 8, static_cast<uint16_t>(sve.vq * 16));
	store_le<uint16_t>(d.data() + 10, static_cast<uint16_t>(sve.max_vq * 16));
	store_le<uint16_t>(d.data() + 12, sve_pt_regs_sve);
	std::copy(sve.z.begin(), sve.z.end(), d.begin() + sve_header_size);
	std::copy(sve.p.begin(), sve.p.end(), d.begin() + sve_header_size + sve.z.size());
	store_le<uint32_t>(d.data() + sve_fpsr_offset(sve.vq), s.fpsr);
	store_le<uint32_t>(d.data() + sve_fpsr_offset(sve.vq) + 4, s.fpcr);
	return d;
}

std::vector<std::byte> fpsimd(const Aarch64CpuState &s)
{
	std::vector<std::byte> d(fpsimd_size);
	for (int i = 0; i < 32; i++) {
		store_le<uint64_t>(d.data() + 16 * i, s.v[i][0]);
		store_le<uint64_t>(d.data() + 16 * i + 8, s.v[i][1]);
	}
	store_le<uint32_t>(d.data() + fpsr_offset, s.fpsr);
	store_le<uint32_t>(d.data() + fpsr_offset + 4, s.fpcr);
	return d;
}

} // namespace

Aarch64Notes build_aarch64_notes(const std::vector<Aarch64CpuState> &cpus)
{
	Aarch64Notes out;
	for (const auto &cpu : cpus) {
		if (!cpu.current) {
			out.warnings.push_back("vCPU " + std::to_string(cpu.cpu_index) +
					       ": registers are stale (" + cpu.stale_reason +
					       "); no CPU notes written for it");
			continue;
		}
		if (cpu.running)
			out.warnings.push_back("vCPU " + std::to_string(cpu.cpu_index) +
					       ": stopped inside translated code; its pc and "
					       "registers may be those of an earlier instruction");
		append_elf_note(out.bytes, "CORE", NT_PRSTATUS, prstatus(cpu));
		append_elf_note(out.bytes, "CORE", NT_PRFPREG, fpsimd(cpu));
		if (cpu.sve)
			append_elf_note(out.bytes, "LINUX", NT_ARM_SVE, sve(cpu));
	}
	return out;
}

} // namespace vmcorefs
