#include "arch/aarch64_cpu_state.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "arch/aarch32_state.h"
#include "qemu/cpu_list.h"

namespace vmcorefs {
namespace {

// Architectural constants (Arm ARM), not QEMU layouts: where SVE support is announced in
// ID_AA64PFR0_EL1, the endianness bit of SCTLR_EL1, and the FPSCR bits AArch64 splits into FPSR
// and FPCR (QEMU's FPSR_MASK, FPCR_MASK) and the cumulative saturation bit QC.
constexpr unsigned id_aa64pfr0_sve_shift = 32;
constexpr uint64_t sctlr_ee = 1ull << 25;
constexpr uint32_t fpsr_mask = 0xf800009f;
constexpr uint32_t fpcr_mask = 0x07ff9f00;
constexpr uint32_t fpscr_qc = 1u << 27;
// QEMU's index of FPSCR in vfp.xregs[] (ARM_VFP_FPSCR, a #define: not in DWARF).
constexpr uint64_t arm_vfp_fpscr = 1;
// PSTATE.EL: bits 3:2 of PSTATE in AArch64 state.
constexpr unsigned pstate_el_shift = 2;

struct EnvFields {
	Field env, id_aa64pfr0;
	Field xregs, pc, aarch64, pstate, daif, btype, nf, zf, cf, vf, features, sctlr_el;
	Field zregs, zreg_d, vfp_xregs, vec_len, vec_stride, ltpsize, qc;
	Field fp_status, fp_status_f16, standard_fp_status, standard_fp_status_f16;
};

// Values of QEMU enumerators, from DWARF: softfloat's exception flags (float_flag_*) and the bit
// of env->features that says the CPU has AArch64.
struct Enumerators {
	uint32_t invalid, divbyzero, overflow, underflow, output_denormal, inexact, input_denormal;
	uint64_t aarch64_feature;
};

Result<void> look_up_env(QemuReader &r, EnvFields &f)
{
	auto env = r.layout("CPUARMState");
	auto zreg = r.layout("ARMVectorReg");
	if (!env || !zreg)
		return env ? zreg.take_error() : env.take_error();
	VMCOREFS_TRY(env->fields(
		{{"xregs", &f.xregs},
		 {"pc", &f.pc},
		 {"aarch64", &f.aarch64},
		 {"pstate", &f.pstate},
		 {"daif", &f.daif},
		 {"btype", &f.btype},
		 {"NF", &f.nf},
		 {"ZF", &f.zf},
		 {"CF", &f.cf},
		 {"VF", &f.vf},
		 {"features", &f.features},
		 {"cp15.sctlr_el", &f.sctlr_el},
		 {"vfp.zregs", &f.zregs},
		 {"vfp.xregs", &f.vfp_xregs},
		 {"vfp.vec_len", &f.vec_len},
		 {"vfp.vec_stride", &f.vec_stride},
		 {"v7m.ltpsize", &f.ltpsize},
		 {"vfp.qc", &f.qc},
		 {"vfp.fp_status.float_exception_flags", &f.fp_status},
		 {"vfp.fp_status_f16.float_exception_flags", &f.fp_status_f16},
		 {"vfp.standard_fp_status.float_exception_flags", &f.standard_fp_status},
		 {"vfp.standard_fp_status_f16.float_exception_flags", &f.standard_fp_status_f16}}));
	return zreg->fields({{"d", &f.zreg_d}});
}

Result<EnvFields> look_up_fields(QemuReader &r)
{
	EnvFields f;
	// ARMCPU is a typedef of struct ArchCPU; env is found by name in it (its offset moved in
	// 8.2).
	auto arch = r.layout({"ARMCPU", "ArchCPU"});
	if (!arch)
		return arch.take_error();
	VMCOREFS_TRY(arch->fields({{"env", &f.env}, {"isar.id_aa64pfr0", &f.id_aa64pfr0}}));
	VMCOREFS_TRY(look_up_env(r, f));
	return f;
}

Result<Enumerators> look_up_flags(QemuReader &r)
{
	Enumerators flags;
	struct {
		const char *name;
		uint32_t *out;
	} names[] = {{"float_flag_invalid", &flags.invalid},
		     {"float_flag_divbyzero", &flags.divbyzero},
		     {"float_flag_overflow", &flags.overflow},
		     {"float_flag_underflow", &flags.underflow},
		     {"float_flag_output_denormal", &flags.output_denormal},
		     {"float_flag_inexact", &flags.inexact},
		     {"float_flag_input_denormal", &flags.input_denormal}};
	for (auto &n : names) {
		auto v = r.facts().enumerator(n.name);
		if (!v)
			return v.take_error();
		*n.out = static_cast<uint32_t>(*v);
	}
	auto feature = r.facts().enumerator("ARM_FEATURE_AARCH64");
	if (!feature)
		return feature.take_error();
	flags.aarch64_feature = static_cast<uint64_t>(*feature);
	return flags;
}

// Reads several integer fields of one struct at once; the first failure is the error.
Result<void> read_all(QemuReader &r, uint64_t base,
		      std::initializer_list<std::pair<const Field *, uint64_t *>> reads)
{
	for (auto [field, out] : reads) {
		auto v = r.read_uint(base, *field);
		if (!v)
			return v.take_error();
		*out = *v;
	}
	return {};
}

// The element at index of an array field, as a field of its own.
Result<Field> element(QemuReader &r, const Field &array, uint64_t index, uint64_t size = 0)
{
	uint64_t stride = array.stride;
	if (stride == 0 || array.size < (index + 1) * stride)
		return make_error(ErrorCode::bad_structure, r.core().path(),
				  "field " + array.path + " is not an array of " +
					  std::to_string(index + 1) + " or more elements");
	return Field{array.offset + index * stride, size ? size : stride, {}, array.path};
}

// pstate_read(): N, Z, C, V live in NF, ZF, CF, VF while QEMU runs; DAIF and BTYPE apart too.
Result<uint64_t> read_pstate(QemuReader &r, const EnvFields &f, uint64_t env)
{
	uint64_t nf, zf, cf, vf, pstate, daif, btype;
	VMCOREFS_TRY(read_all(r, env,
			      {{&f.nf, &nf},
			       {&f.zf, &zf},
			       {&f.cf, &cf},
			       {&f.vf, &vf},
			       {&f.pstate, &pstate},
			       {&f.daif, &daif},
			       {&f.btype, &btype}}));
	uint64_t value = (nf & 0x80000000) | (zf == 0 ? 1u << 30 : 0) | (cf << 29) |
			 ((vf & 0x80000000) >> 3) | pstate | daif | (btype << 10);
	return static_cast<uint32_t>(value); // pstate_read() returns 32 bits
}

// The exception flags every float_status of the vCPU has accumulated, in FPSCR bits, as
// vfp_get_fpscr_from_host() and vfp_exceptbits_from_host() fold them (FZ16 raises no input
// denormal).
Result<uint32_t> read_fp_exceptions(QemuReader &r, const EnvFields &f, const Enumerators &flag,
				    uint64_t env)
{
	uint64_t normal, f16, standard, standard_f16;
	VMCOREFS_TRY(read_all(r, env,
			      {{&f.fp_status, &normal},
			       {&f.fp_status_f16, &f16},
			       {&f.standard_fp_status, &standard},
			       {&f.standard_fp_status_f16, &standard_f16}}));
	uint64_t host = normal | standard | ((f16 | standard_f16) & ~uint64_t{flag.input_denormal});
	uint32_t bits = 0;
	bits |= host & flag.invalid ? 0x01 : 0;
	bits |= host & flag.divbyzero ? 0x02 : 0;
	bits |= host & flag.overflow ? 0x04 : 0;
	bits |= host & (flag.underflow | flag.output_denormal) ? 0x08 : 0;
	bits |= host & flag.inexact ? 0x10 : 0;
	bits |= host & flag.input_denormal ? 0x80 : 0;
	return bits;
}

// vfp_get_fpscr(): FPSCR's stored bits, the short-vector fields QEMU keeps apart, the folded
// exception flags and QC from the four words of vfp.qc.
Result<uint32_t> read_fpscr(QemuReader &r, const EnvFields &f, const Enumerators &flags,
			    uint64_t env)
{
	auto stored = element(r, f.vfp_xregs, arm_vfp_fpscr);
	if (!stored)
		return stored.take_error();
	uint64_t fpscr, vec_len, vec_stride, ltpsize;
	VMCOREFS_TRY(read_all(r, env,
			      {{&*stored, &fpscr},
			       {&f.vec_len, &vec_len},
			       {&f.vec_stride, &vec_stride},
			       {&f.ltpsize, &ltpsize}}));
	uint64_t qc[4];
	VMCOREFS_TRY(r.read_uint_array(env, f.qc, qc, 4));
	auto exceptions = read_fp_exceptions(r, f, flags, env);
	if (!exceptions)
		return exceptions.take_error();
	uint32_t value =
		static_cast<uint32_t>(fpscr | vec_len << 16 | vec_stride << 20 | ltpsize << 16) |
		*exceptions | ((qc[0] | qc[1] | qc[2] | qc[3]) ? fpscr_qc : 0);
	return value;
}

// q0..q31: the low 128 bits of each SVE Z register (aa64_vfp_qreg).
Result<void> read_vregs(QemuReader &r, const EnvFields &f, uint64_t env, Aarch64CpuState &s)
{
	for (uint64_t i = 0; i < 32; i++) {
		auto zreg = element(r, f.zregs, i);
		if (!zreg)
			return zreg.take_error();
		Field d = f.zreg_d;
		d.offset += zreg->offset;
		VMCOREFS_TRY(r.read_uint_array(env, d, s.v[i], 2));
	}
	return {};
}

Error unsupported(QemuReader &r, const VcpuRef &vcpu, const std::string &why)
{
	return make_error(ErrorCode::unsupported, r.core().path(),
			  "vCPU " + std::to_string(vcpu.cpu_index) + " " + why);
}

bool has_feature(uint64_t features, uint64_t bit)
{
	return bit < 64 && (features >> bit & 1);
}

// x0-x30, sp, pc and pstate as arm_cpu_write_elf64_note() takes them: in AArch64 state straight
// from xregs (SP: the current EL's, in xregs[31]) and pstate_read(); in AArch32 state as
// aarch64_sync_32_to_64() maps them, with cpsr_read() for pstate and 0 for SP. Returns the
// current exception level.
Result<unsigned> read_core_registers(QemuReader &r, const EnvFields &f, uint64_t env,
				     Aarch64CpuState &s)
{
	uint64_t aarch64;
	VMCOREFS_TRY(read_all(r, env, {{&f.aarch64, &aarch64}}));
	if (!aarch64) {
		auto reader = Aarch32Reader::look_up(r);
		if (!reader)
			return reader.take_error();
		auto view = reader->read(r, env);
		if (!view)
			return view.take_error();
		std::copy(view->x, view->x + 31, s.x);
		s.sp = 0;
		s.pc = view->pc;
		s.pstate = view->cpsr;
		return view->el;
	}
	uint64_t xregs[32];
	VMCOREFS_TRY(r.read_uint_array(env, f.xregs, xregs, 32));
	std::copy(xregs, xregs + 31, s.x);
	s.sp = xregs[31];
	VMCOREFS_TRY(read_all(r, env, {{&f.pc, &s.pc}}));
	auto pstate = read_pstate(r, f, env);
	if (!pstate)
		return pstate.take_error();
	s.pstate = *pstate;
	return static_cast<unsigned>(*pstate >> pstate_el_shift & 3);
}

// What QEMU would write differently from the AArch64 little-endian notes built here. Returns
// whether the CPU has SVE.
Result<bool> check_supported(QemuReader &r, const EnvFields &f, const Enumerators &flags,
			     const VcpuRef &vcpu)
{
	uint64_t env = vcpu.address + f.env.offset;
	auto sctlr_el1 = element(r, f.sctlr_el, 1);
	if (!sctlr_el1)
		return sctlr_el1.take_error();
	uint64_t features, pfr0, sctlr;
	VMCOREFS_TRY(read_all(r, env, {{&f.features, &features}, {&*sctlr_el1, &sctlr}}));
	VMCOREFS_TRY(read_all(r, vcpu.address, {{&f.id_aa64pfr0, &pfr0}}));
	if (!has_feature(features, flags.aarch64_feature))
		return unsupported(r, vcpu,
				   "is a 32-bit Arm CPU: QEMU writes an ELFCLASS32 EM_ARM vmcore "
				   "for it, which vmcorefs does not write");
	bool sve = pfr0 >> id_aa64pfr0_sve_shift & 0xf;
	if (sctlr & sctlr_ee)
		return unsupported(r, vcpu,
				   "runs a big-endian kernel (SCTLR_EL1.EE): vmcorefs writes "
				   "little-endian vmcores only");
	return sve;
}

Result<Aarch64CpuState> read_cpu(QemuReader &r, const EnvFields &f, const Enumerators &flags,
				 const VcpuRef &vcpu)
{
	auto sve = check_supported(r, f, flags, vcpu);
	if (!sve)
		return sve.take_error();
	Aarch64CpuState s;
	s.cpu_index = vcpu.cpu_index;
	s.current = vcpu.current;
	s.stale_reason = vcpu.stale_reason;
	s.running = vcpu.running;
	uint64_t env = vcpu.address + f.env.offset;
	auto el = read_core_registers(r, f, env, s);
	auto fpscr = read_fpscr(r, f, flags, env);
	if (!el || !fpscr)
		return el ? fpscr.take_error() : el.take_error();
	s.fpsr = *fpscr & fpsr_mask;
	s.fpcr = *fpscr & fpcr_mask;
	VMCOREFS_TRY(read_vregs(r, f, env, s));
	if (*sve) {
		auto reader = Aarch64SveReader::look_up(r);
		if (!reader)
			return reader.take_error();
		auto state = reader->read(r, vcpu.address, env, *el);
		if (!state)
			return state.take_error();
		s.sve = std::move(*state);
	}
	return s;
}

} // namespace

Result<std::vector<Aarch64CpuState>> read_aarch64_cpus(QemuReader &r,
						       const std::string &accelerator)
{
	auto vcpus = walk_cpu_list(r, accelerator);
	if (!vcpus)
		return vcpus.take_error();
	auto fields = look_up_fields(r);
	if (!fields)
		return fields.take_error();
	auto flags = look_up_flags(r);
	if (!flags)
		return flags.take_error();
	std::vector<Aarch64CpuState> out;
	for (const VcpuRef &vcpu : *vcpus) {
		auto state = read_cpu(r, *fields, *flags, vcpu);
		if (!state)
			return state.take_error();
		out.push_back(*state);
	}
	return out;
}

} // namespace vmcorefs
