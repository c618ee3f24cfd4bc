#include "arch/x86_cpu_state.h"

#include "qemu/cpu_list.h"

namespace vmcorefs {
namespace {

// EFLAGS bits QEMU keeps in CC_SRC while a TCG vCPU runs: O S Z A P C, and DF in env->df.
constexpr uint64_t arithmetic_flags = 0x8d5;
constexpr uint64_t direction_flag = 1 << 10;

struct SegmentFields {
	Field selector, base, limit, flags;
	uint64_t stride = 0;
};

struct CpuFields {
	Field env;
	Field regs, eip, eflags, cc_src, cc_op, df, hflags, segs, ldt, tr, gdt, idt, cr;
	std::optional<Field> kernelgsbase;
	SegmentFields segment;
	std::optional<int64_t> cc_op_eflags;
};

Result<void> look_up_env(QemuReader &r, CpuFields &f)
{
	auto env = r.layout("CPUX86State");
	auto seg = r.layout("SegmentCache");
	if (!env || !seg)
		return env ? seg.take_error() : env.take_error();
	VMCOREFS_TRY(env->fields({{"regs", &f.regs},
				  {"eip", &f.eip},
				  {"eflags", &f.eflags},
				  {"cc_src", &f.cc_src},
				  {"cc_op", &f.cc_op},
				  {"df", &f.df},
				  {"hflags", &f.hflags},
				  {"segs", &f.segs},
				  {"ldt", &f.ldt},
				  {"tr", &f.tr},
				  {"gdt", &f.gdt},
				  {"idt", &f.idt},
				  {"cr", &f.cr}}));
	if (auto k = env->field({"kernelgsbase"})) // TARGET_X86_64 builds only
		f.kernelgsbase = *k;
	VMCOREFS_TRY(seg->fields({{"selector", &f.segment.selector},
				  {"base", &f.segment.base},
				  {"limit", &f.segment.limit},
				  {"flags", &f.segment.flags}}));
	f.segment.stride = seg->size();
	if (auto v = r.facts().enumerator("CC_OP_EFLAGS"))
		f.cc_op_eflags = *v;
	return {};
}

Result<CpuFields> look_up_fields(QemuReader &r)
{
	CpuFields f;
	// X86CPU is a typedef of struct ArchCPU (7.2 to 10.0); env is found by name in it, as its
	// offset moved when 8.2 moved CPUNegativeOffsetState into CPUState.
	auto arch = r.layout({"X86CPU", "ArchCPU"});
	if (!arch)
		return arch.take_error();
	VMCOREFS_TRY(arch->fields({{"env", &f.env}}));
	VMCOREFS_TRY(look_up_env(r, f));
	return f;
}

Result<X86Segment> read_segment(QemuReader &r, const SegmentFields &s, uint64_t at)
{
	X86Segment seg;
	auto selector = r.read_uint(at, s.selector);
	auto base = r.read_uint(at, s.base);
	auto limit = r.read_uint(at, s.limit);
	auto flags = r.read_uint(at, s.flags);
	for (auto *v : {&selector, &base, &limit, &flags})
		if (!*v)
			return v->take_error();
	seg = {static_cast<uint32_t>(*selector), static_cast<uint32_t>(*limit),
	       static_cast<uint32_t>(*flags), *base};
	return seg;
}

Result<void> read_segments(QemuReader &r, const CpuFields &f, uint64_t env, X86CpuState &s)
{
	for (int i = 0; i < 6; i++) {
		auto seg = read_segment(r, f.segment, env + f.segs.offset + i * f.segment.stride);
		if (!seg)
			return seg.take_error();
		s.segs[i] = *seg;
	}
	struct {
		const Field &field;
		X86Segment *out;
	} tables[] = {{f.ldt, &s.ldt}, {f.tr, &s.tr}, {f.gdt, &s.gdt}, {f.idt, &s.idt}};
	for (auto &t : tables) {
		auto seg = read_segment(r, f.segment, env + t.field.offset);
		if (!seg)
			return seg.take_error();
		*t.out = *seg;
	}
	return {};
}

Result<void> read_scalars(QemuReader &r, const CpuFields &f, uint64_t env, X86CpuState &s)
{
	VMCOREFS_TRY(r.read_uint_array(env, f.regs, s.regs, 16));
	VMCOREFS_TRY(r.read_uint_array(env, f.cr, s.cr, 5));
	auto rip = r.read_uint(env, f.eip);
	auto eflags = r.read_uint(env, f.eflags);
	auto hflags = r.read_uint(env, f.hflags);
	for (auto *v : {&rip, &eflags, &hflags})
		if (!*v)
			return v->take_error();
	s.rip = *rip;
	s.eflags = *eflags;
	s.hflags = static_cast<uint32_t>(*hflags);
	if (f.kernelgsbase) {
		auto k = r.read_uint(env, *f.kernelgsbase);
		if (!k)
			return k.take_error();
		s.kernel_gs_base = *k;
	}
	return {};
}

// A TCG vCPU stopped inside cpu_exec() keeps O S Z A P C in CC_SRC and DF in env->df; with
// cc_op CC_OP_EFLAGS they fold back exactly as x86_cpu_exec_exit would. Any other cc_op needs
// QEMU's flag computation for that operation: keep eflags and say the flags are uncertain.
Result<void> fold_lazy_flags(QemuReader &r, const CpuFields &f, uint64_t env, X86CpuState &s)
{
	auto cc_op = r.read_uint(env, f.cc_op);
	auto cc_src = r.read_uint(env, f.cc_src);
	auto df = r.read_uint(env, f.df);
	for (auto *v : {&cc_op, &cc_src, &df})
		if (!*v)
			return v->take_error();
	if (!f.cc_op_eflags || static_cast<int64_t>(*cc_op) != *f.cc_op_eflags) {
		s.flags_uncertain = true;
		return {};
	}
	bool down = static_cast<int32_t>(*df) < 0;
	s.eflags = (s.eflags & ~(arithmetic_flags | direction_flag)) |
		   (*cc_src & arithmetic_flags) | (down ? direction_flag : 0);
	return {};
}

Result<X86CpuState> read_cpu(QemuReader &r, const CpuFields &f, const VcpuRef &vcpu,
			     const std::string &accelerator)
{
	X86CpuState s;
	uint64_t env = vcpu.address + f.env.offset;
	s.cpu_index = vcpu.cpu_index;
	s.current = vcpu.current;
	s.stale_reason = vcpu.stale_reason;
	VMCOREFS_TRY(read_scalars(r, f, env, s));
	VMCOREFS_TRY(read_segments(r, f, env, s));
	if (accelerator == "tcg" && vcpu.running)
		VMCOREFS_TRY(fold_lazy_flags(r, f, env, s));
	return s;
}

} // namespace

Result<X86Cpus> read_x86_cpus(QemuReader &r, const std::string &accelerator)
{
	auto vcpus = walk_cpu_list(r, accelerator);
	if (!vcpus)
		return vcpus.take_error();
	auto fields = look_up_fields(r);
	if (!fields)
		return fields.take_error();
	X86Cpus out;
	for (const VcpuRef &vcpu : *vcpus) {
		auto state = read_cpu(r, *fields, vcpu, accelerator);
		if (!state)
			return state.take_error();
		out.cpus.push_back(*state);
	}
	return out;
}

} // namespace vmcorefs
