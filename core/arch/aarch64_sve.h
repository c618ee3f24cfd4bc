// The SVE state of an aarch64 vCPU, as target/arm/arch_dump.c puts it in NT_ARM_SVE: the vector
// length in effect (sve_vqm1_for_el() at the current exception level: the ZCR_ELx, or SMCR_ELx
// in streaming mode, that apply there, depending on EL2, EL3, HCR_EL2 and SCR_EL3, capped by the
// lengths the CPU supports) and the Z and P registers cut to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "qemu/qemu_reader.h"

namespace vmcorefs {

struct Aarch64Sve {
	uint32_t vq = 0;          // current vector length, in quadwords (128 bits)
	uint32_t max_vq = 0;      // ARMCPU.sve_max_vq
	std::vector<std::byte> z; // z0..z31, vq * 16 bytes each
	std::vector<std::byte> p; // p0..p15 and FFR, vq * 2 bytes each
};

class Aarch64SveReader {
public:
	static Result<Aarch64SveReader> look_up(QemuReader &reader);
	// cpu: the ARMCPU; env: its CPUARMState; el: its current exception level.
	Result<Aarch64Sve> read(QemuReader &reader, uint64_t cpu, uint64_t env, unsigned el) const;

private:
	Field max_vq_, sve_map_, sme_map_;
	Field svcr_, features_, hcr_el2_, scr_el3_, zcr_el_, smcr_el_, zregs_, pregs_;
	uint64_t zreg_offset_ = 0;                 // of d[] in ARMVectorReg
	uint64_t preg_offset_ = 0;                 // of p[] in ARMPredicateReg
	uint32_t max_vq_limit_ = 0;                // ARM_MAX_VQ, from the size of d[]
	uint64_t aarch64_ = 0, el2_ = 0, el3_ = 0; // ARM_FEATURE_* bit numbers

	struct ElState;
	Result<uint32_t> current_vq(QemuReader &reader, uint64_t cpu, uint64_t env,
				    unsigned el) const;
	uint64_t length_cap(const ElState &state, const uint64_t control[4]) const;
};

} // namespace vmcorefs
