// aarch64_sync_32_to_64's register mapping (the architectural AArch32-to-AArch64 one) for the
// modes a real guest cannot easily be caught in: each mode's banked SP and LR land in their own
// x register, the current mode's come from r13/r14, and fiq swaps r8-r14.
#include "arch/aarch32_state.h"

#include <gtest/gtest.h>

namespace vmcorefs {
namespace {

enum Mode : uint32_t { usr = 0x10, fiq = 0x11, irq = 0x12, svc = 0x13, hyp = 0x1a };

// r[i] = 100 + i, banked_r13[b] = 200 + b, banked_r14[b] = 300 + b, usr[i] = 408 + i (r8-r12),
// fiq[i] = 508 + i.
Aarch32Registers registers()
{
	Aarch32Registers g;
	for (int i = 0; i < 16; i++)
		g.r[i] = 100 + i;
	for (int b = 0; b < 8; b++)
		g.banked_r13[b] = 200 + b, g.banked_r14[b] = 300 + b;
	for (int i = 0; i < 5; i++)
		g.usr[i] = 408 + i, g.fiq[i] = 508 + i;
	return g;
}

TEST(Aarch32State, UserModeTakesBankedRegistersOfEveryOtherMode)
{
	uint64_t x[31];
	aarch32_to_aarch64(registers(), usr, x);
	for (int i = 0; i < 15; i++)
		EXPECT_EQ(x[i], 100u + i) << "x" << i; // r0-r14
	EXPECT_EQ(x[15], 206u);                        // SP_hyp
	EXPECT_EQ(x[16], 304u);                        // LR_irq
	EXPECT_EQ(x[17], 204u);                        // SP_irq
	EXPECT_EQ(x[18], 301u);                        // LR_svc
	EXPECT_EQ(x[19], 201u);                        // SP_svc
	EXPECT_EQ(x[20], 302u);                        // LR_abt
	EXPECT_EQ(x[21], 202u);                        // SP_abt
	EXPECT_EQ(x[22], 303u);                        // LR_und
	EXPECT_EQ(x[23], 203u);                        // SP_und
	for (int i = 24; i < 29; i++)
		EXPECT_EQ(x[i], 508u + (i - 24)) << "x" << i; // r8_fiq-r12_fiq
	EXPECT_EQ(x[29], 205u);                               // SP_fiq
	EXPECT_EQ(x[30], 305u);                               // LR_fiq
}

TEST(Aarch32State, SvcModeHasItsOwnSpAndLrInR13R14)
{
	uint64_t x[31];
	aarch32_to_aarch64(registers(), svc, x);
	EXPECT_EQ(x[13], 200u); // SP_usr, from its bank
	EXPECT_EQ(x[14], 300u); // LR_usr, from its bank
	EXPECT_EQ(x[18], 114u); // LR_svc: the current r14
	EXPECT_EQ(x[19], 113u); // SP_svc: the current r13
	EXPECT_EQ(x[16], 304u); // LR_irq
	EXPECT_EQ(x[17], 204u); // SP_irq
}

TEST(Aarch32State, FiqModeSwapsR8ToR14)
{
	uint64_t x[31];
	aarch32_to_aarch64(registers(), fiq, x);
	for (int i = 8; i < 13; i++)
		EXPECT_EQ(x[i], 408u + (i - 8)) << "x" << i; // usr's r8-r12
	for (int i = 24; i < 31; i++)
		EXPECT_EQ(x[i], 108u + (i - 24)) << "x" << i; // the current r8-r14
	EXPECT_EQ(x[13], 200u);                               // SP_usr
	EXPECT_EQ(x[14], 300u);                               // LR_usr
}

TEST(Aarch32State, HypModeSharesLrWithUsr)
{
	uint64_t x[31];
	aarch32_to_aarch64(registers(), hyp, x);
	EXPECT_EQ(x[13], 200u);
	EXPECT_EQ(x[14], 114u); // r14: hyp has no LR of its own
	EXPECT_EQ(x[15], 113u); // SP_hyp: the current r13
}

} // namespace
} // namespace vmcorefs
