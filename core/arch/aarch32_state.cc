#include "arch/aarch32_state.h"

#include <utility>

namespace vmcorefs {
namespace {

// AArch32 processor modes (CPSR.M) and QEMU's register banks for them (internals.h: BANK_*,
// #defines, so not in DWARF).
enum Mode : uint32_t {
	usr = 0x10,
	fiq = 0x11,
	irq = 0x12,
	svc = 0x13,
	mon = 0x16,
	abt = 0x17,
	hyp = 0x1a,
	und = 0x1b,
	sys = 0x1f
};
enum Bank { bank_usrsys, bank_svc, bank_abt, bank_und, bank_irq, bank_fiq, bank_hyp, bank_mon };
constexpr uint32_t cpsr_mode_mask = 0x1f;
constexpr uint64_t cpsr_aif = 0x1c0; // CPSR.A, I, F: where daif keeps them

// bank_number() for r13; r14_bank_number() is the same but for hyp, whose LR is usr's.
Bank bank(uint32_t mode)
{
	switch (mode) {
	case svc: return bank_svc;
	case abt: return bank_abt;
	case und: return bank_und;
	case irq: return bank_irq;
	case fiq: return bank_fiq;
	case hyp: return bank_hyp;
	case mon: return bank_mon;
	default: return bank_usrsys;
	}
}

// arm_current_el() in AArch32 state, for a CPU whose EL3 (if any) is AArch64.
unsigned current_el(uint32_t mode)
{
	return mode == usr ? 0 : mode == hyp ? 2 : mode == mon ? 3 : 1;
}

} // namespace

// x13-x30 hold each mode's banked SP and LR (the current mode's are in r13/r14), x8-x12 the usr
// copies when in fiq mode.
void aarch32_to_aarch64(const Aarch32Registers &g, uint32_t mode, uint64_t x[31])
{
	for (int i = 0; i < 8; i++)
		x[i] = g.r[i];
	for (int i = 8; i < 13; i++)
		x[i] = mode == fiq ? g.usr[i - 8] : g.r[i];
	bool user = mode == usr || mode == sys;
	x[13] = user ? g.r[13] : g.banked_r13[bank_usrsys];
	x[14] = user || mode == hyp ? g.r[14] : g.banked_r14[bank_usrsys];
	x[15] = mode == hyp ? g.r[13] : g.banked_r13[bank_hyp];
	const uint32_t pairs[] = {irq, svc, abt, und}; // x16/x17, x18/x19, x20/x21, x22/x23
	for (int i = 0; i < 4; i++) {
		bool current = mode == pairs[i];
		x[16 + 2 * i] = current ? g.r[14] : g.banked_r14[bank(pairs[i])];
		x[17 + 2 * i] = current ? g.r[13] : g.banked_r13[bank(pairs[i])];
	}
	for (int i = 24; i < 29; i++)
		x[i] = mode == fiq ? g.r[i - 16] : g.fiq[i - 24];
	x[29] = mode == fiq ? g.r[13] : g.banked_r13[bank_fiq];
	x[30] = mode == fiq ? g.r[14] : g.banked_r14[bank_fiq];
}

Result<Aarch32Reader> Aarch32Reader::look_up(QemuReader &r)
{
	Aarch32Reader a;
	auto env = r.layout("CPUARMState");
	if (!env)
		return env.take_error();
	VMCOREFS_TRY(env->fields({{"regs", &a.regs_},
				  {"banked_r13", &a.banked_r13_},
				  {"banked_r14", &a.banked_r14_},
				  {"usr_regs", &a.usr_regs_},
				  {"fiq_regs", &a.fiq_regs_},
				  {"uncached_cpsr", &a.cpsr_},
				  {"NF", &a.nf_},
				  {"ZF", &a.zf_},
				  {"CF", &a.cf_},
				  {"VF", &a.vf_},
				  {"QF", &a.qf_},
				  {"GE", &a.ge_},
				  {"thumb", &a.thumb_},
				  {"condexec_bits", &a.condexec_},
				  {"daif", &a.daif_}}));
	return a;
}

Result<Aarch32View> Aarch32Reader::read(QemuReader &r, uint64_t env) const
{
	Aarch32Registers g;
	VMCOREFS_TRY(r.read_uint_array(env, regs_, g.r, 16));
	VMCOREFS_TRY(r.read_uint_array(env, banked_r13_, g.banked_r13, 8));
	VMCOREFS_TRY(r.read_uint_array(env, banked_r14_, g.banked_r14, 8));
	VMCOREFS_TRY(r.read_uint_array(env, usr_regs_, g.usr, 5));
	VMCOREFS_TRY(r.read_uint_array(env, fiq_regs_, g.fiq, 5));
	uint64_t cpsr, nf, zf, cf, vf, qf, ge, thumb, condexec, daif;
	for (auto [field, out] :
	     {std::pair{&cpsr_, &cpsr}, std::pair{&nf_, &nf}, std::pair{&zf_, &zf},
	      std::pair{&cf_, &cf}, std::pair{&vf_, &vf}, std::pair{&qf_, &qf},
	      std::pair{&ge_, &ge}, std::pair{&thumb_, &thumb}, std::pair{&condexec_, &condexec},
	      std::pair{&daif_, &daif}}) {
		auto value = r.read_uint(env, *field);
		if (!value)
			return value.take_error();
		*out = *value;
	}
	Aarch32View view;
	uint32_t mode = static_cast<uint32_t>(cpsr) & cpsr_mode_mask;
	aarch32_to_aarch64(g, mode, view.x);
	view.pc = g.r[15];
	// cpsr_read()
	uint64_t flags = (nf & 0x80000000) | (zf == 0 ? 1u << 30 : 0) | cf << 29 |
			 (vf & 0x80000000) >> 3 | qf << 27 | ge << 16;
	uint64_t state = thumb << 5 | (condexec & 3) << 25 | (condexec & 0xfc) << 8;
	view.cpsr = static_cast<uint32_t>(cpsr | flags | state | (daif & cpsr_aif));
	view.el = current_el(mode);
	return view;
}

} // namespace vmcorefs
