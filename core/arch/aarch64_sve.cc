#include "arch/aarch64_sve.h"

#include <algorithm>
#include <bit>

namespace vmcorefs {
namespace {

// SVCR.SM is bit 0; bits of SCR_EL3 and HCR_EL2 (Arm ARM).
constexpr uint64_t svcr_sm = 1;
constexpr uint64_t scr_ns = 1ull << 0, scr_rw = 1ull << 10, scr_eel2 = 1ull << 18;
constexpr uint64_t hcr_tge = 1ull << 27, hcr_e2h = 1ull << 34;
// ZCR_ELx.LEN and SMCR_ELx.LEN: the vector length in quadwords minus one.
constexpr uint64_t len_mask = 0xf;

Error bad(QemuReader &r, const std::string &message)
{
	return make_error(ErrorCode::bad_structure, r.core().path(), message);
}

} // namespace

// What of the vCPU's exception-level configuration decides which control registers apply.
struct Aarch64SveReader::ElState {
	unsigned el = 0;
	bool has_el3 = false;
	bool el2_enabled = false; // arm_is_el2_enabled()
	bool in_host = false;     // el_is_in_host(el): EL0/EL2 under VHE (E2H, TGE)
};

Result<Aarch64SveReader> Aarch64SveReader::look_up(QemuReader &r)
{
	Aarch64SveReader s;
	auto cpu = r.layout({"ARMCPU", "ArchCPU"});
	auto env = r.layout("CPUARMState");
	auto zreg = r.layout("ARMVectorReg");
	auto preg = r.layout("ARMPredicateReg");
	for (auto *l : {&cpu, &env, &zreg, &preg})
		if (!*l)
			return l->take_error();
	VMCOREFS_TRY(cpu->fields({{"sve_max_vq", &s.max_vq_},
				  {"sve_vq.map", &s.sve_map_},
				  {"sme_vq.map", &s.sme_map_}}));
	VMCOREFS_TRY(env->fields({{"svcr", &s.svcr_},
				  {"features", &s.features_},
				  {"cp15.hcr_el2", &s.hcr_el2_},
				  {"cp15.scr_el3", &s.scr_el3_},
				  {"vfp.zcr_el", &s.zcr_el_},
				  {"vfp.smcr_el", &s.smcr_el_},
				  {"vfp.zregs", &s.zregs_},
				  {"vfp.pregs", &s.pregs_}}));
	for (auto [name, out] :
	     {std::pair{"ARM_FEATURE_AARCH64", &s.aarch64_}, std::pair{"ARM_FEATURE_EL2", &s.el2_},
	      std::pair{"ARM_FEATURE_EL3", &s.el3_}}) {
		auto v = r.facts().enumerator(name);
		if (!v)
			return v.take_error();
		*out = static_cast<uint64_t>(*v);
	}
	Field d, p;
	VMCOREFS_TRY(zreg->fields({{"d", &d}}));
	VMCOREFS_TRY(preg->fields({{"p", &p}}));
	s.zreg_offset_ = d.offset;
	s.preg_offset_ = p.offset;
	// d[] holds 2 * ARM_MAX_VQ 64-bit words.
	s.max_vq_limit_ = static_cast<uint32_t>(d.size / 16);
	if (s.max_vq_limit_ == 0 || s.max_vq_limit_ > 32 || p.size * 8 < s.max_vq_limit_ * 2)
		return bad(r, "ARMVectorReg.d or ARMPredicateReg.p has an unexpected size");
	return s;
}

// The longest length (in quadwords, minus one) the control registers allow at the vCPU's EL, as
// sve_vqm1_for_el_sm() caps it: ZCR_EL1 below EL2 unless in a VHE host, ZCR_EL2 up to EL2 when
// EL2 is enabled, ZCR_EL3 always when EL3 exists.
uint64_t Aarch64SveReader::length_cap(const ElState &s, const uint64_t control[4]) const
{
	uint64_t len = max_vq_limit_ - 1;
	if (s.el <= 1 && !s.in_host)
		len = std::min(len, control[1] & len_mask);
	if (s.el <= 2 && s.el2_enabled)
		len = std::min(len, control[2] & len_mask);
	if (s.has_el3)
		len = std::min(len, control[3] & len_mask);
	return len;
}

// sve_vqm1_for_el_sm() + 1 at the current EL: the highest supported length not above the cap.
Result<uint32_t> Aarch64SveReader::current_vq(QemuReader &r, uint64_t cpu, uint64_t env,
					      unsigned el) const
{
	uint64_t svcr, features, hcr, scr, sve_map, sme_map;
	for (auto [field, base, out] :
	     {std::tuple{&svcr_, env, &svcr}, std::tuple{&features_, env, &features},
	      std::tuple{&hcr_el2_, env, &hcr}, std::tuple{&scr_el3_, env, &scr},
	      std::tuple{&sve_map_, cpu, &sve_map}, std::tuple{&sme_map_, cpu, &sme_map}}) {
		auto v = r.read_uint(base, *field);
		if (!v)
			return v.take_error();
		*out = *v;
	}
	auto feature = [&](uint64_t bit) { return bit < 64 && (features >> bit & 1); };
	ElState s;
	s.el = el;
	s.has_el3 = feature(el3_);
	// arm_is_secure_below_el3(), arm_is_el2_enabled(), arm_el_is_aa64(env, 2), el_is_in_host().
	bool secure = s.has_el3 && !(scr & scr_ns);
	s.el2_enabled = feature(el2_) && (!secure || (scr & scr_eel2));
	bool el2_aa64 = feature(aarch64_) &&
			(!s.has_el3 || !((scr & scr_ns) || !(scr & scr_eel2)) || (scr & scr_rw));
	uint64_t host_bits = s.el ? hcr_e2h : hcr_e2h | hcr_tge;
	s.in_host = !(s.el & 1) && (hcr & host_bits) == host_bits && s.el2_enabled && el2_aa64;
	bool streaming = svcr & svcr_sm;
	uint64_t control[4];
	VMCOREFS_TRY(r.read_uint_array(env, streaming ? smcr_el_ : zcr_el_, control, 4));
	uint64_t len = length_cap(s, control);
	uint32_t map =
		static_cast<uint32_t>((streaming ? sme_map : sve_map) & ((uint64_t{2} << len) - 1));
	if (map != 0)
		return static_cast<uint32_t>(std::bit_width(map));
	// Only streaming mode may lack the shortest length (as QEMU, which asserts it).
	if (!streaming || static_cast<uint32_t>(sme_map) == 0)
		return bad(r,
			   "the vCPU supports no SVE vector length (ARMCPU.sve_vq.map is empty)");
	return static_cast<uint32_t>(std::countr_zero(static_cast<uint32_t>(sme_map))) + 1;
}

Result<Aarch64Sve> Aarch64SveReader::read(QemuReader &r, uint64_t cpu, uint64_t env,
					  unsigned el) const
{
	Aarch64Sve sve;
	auto vq = current_vq(r, cpu, env, el);
	auto max_vq = r.read_uint(cpu, max_vq_);
	if (!vq || !max_vq)
		return vq ? max_vq.take_error() : vq.take_error();
	sve.vq = *vq;
	sve.max_vq = static_cast<uint32_t>(*max_vq);
	uint64_t zstride = zregs_.stride, pstride = pregs_.stride;
	if (zregs_.size < 32 * zstride || pregs_.size < 17 * pstride || sve.vq > max_vq_limit_)
		return bad(r, "the SVE registers of CPUARMState are not what vmcorefs expects");
	size_t zsize = sve.vq * 16, psize = sve.vq * 2;
	sve.z.resize(32 * zsize);
	sve.p.resize(17 * psize);
	uint64_t z = env + zregs_.offset + zreg_offset_, p = env + pregs_.offset + preg_offset_;
	for (uint64_t i = 0; i < 32; i++)
		VMCOREFS_TRY(r.read_bytes(z + i * zstride, sve.z.data() + i * zsize, zsize,
					  "CPUARMState.vfp.zregs"));
	for (uint64_t i = 0; i < 17; i++)
		VMCOREFS_TRY(r.read_bytes(p + i * pstride, sve.p.data() + i * psize, psize,
					  "CPUARMState.vfp.pregs"));
	return sve;
}

} // namespace vmcorefs
