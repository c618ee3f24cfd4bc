// A vCPU of an aarch64 QEMU that was in AArch32 state (a 32-bit task of a 64-bit kernel), seen as
// QEMU's dump sees it: aarch64_sync_32_to_64() maps r0-r15 and the banked registers of every
// mode onto x0-x30 and pc (the architectural AArch32-to-AArch64 register mapping), cpsr_read()
// assembles the CPSR from QEMU's split flags, and the exception level follows from the mode.
#pragma once

#include <cstdint>

#include "qemu/qemu_reader.h"

namespace vmcorefs {

// The AArch32 general registers as CPUARMState keeps them: r0-r15 of the current mode, r13 and
// r14 of every mode by QEMU's bank number (BANK_USRSYS 0, SVC, ABT, UND, IRQ, FIQ, HYP, MON 7), and
// r8-r12 of usr and of fiq mode (whichever is not current).
struct Aarch32Registers {
	uint64_t r[16], banked_r13[8], banked_r14[8], usr[5], fiq[5];
};

// aarch64_sync_32_to_64(): x0-x30 for a vCPU in AArch32 mode `mode` (CPSR.M, e.g. 0x10 usr).
void aarch32_to_aarch64(const Aarch32Registers &registers, uint32_t mode, uint64_t x[31]);

struct Aarch32View {
	uint64_t x[31] = {};
	uint64_t pc = 0;
	uint64_t cpsr = 0;
	unsigned el = 0; // arm_current_el()
};

class Aarch32Reader {
public:
	static Result<Aarch32Reader> look_up(QemuReader &reader);
	// env: the vCPU's CPUARMState.
	Result<Aarch32View> read(QemuReader &reader, uint64_t env) const;

private:
	Field regs_, banked_r13_, banked_r14_, usr_regs_, fiq_regs_;
	Field cpsr_, nf_, zf_, cf_, vf_, qf_, ge_, thumb_, condexec_, daif_;
};

} // namespace vmcorefs
