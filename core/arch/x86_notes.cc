#include "arch/x86_notes.h"

#include <algorithm>
#include <cstring>
#include <elf.h>

#include "arch/x86_note_fields.h"
#include "base/byte_order.h"
#include "base/elf_note.h"

namespace vmcorefs {
namespace {

constexpr uint32_t hf_lma_mask = 1 << 14;
constexpr uint64_t cr0_paging = uint64_t{1} << 31, cr4_la57 = uint64_t{1} << 12;
// QEMU's register numbering (target/i386/cpu.h) and segment numbering.
enum { rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi };
enum { es, cs, ss, ds, fs, gs };

// Fills a note descriptor through a name/offset/size table.
class DescWriter {
public:
	DescWriter(std::span<const NoteField> fields, size_t size) : fields_(fields), desc_(size) {}
	void set(std::string_view name, uint64_t value)
	{
		for (const auto &f : fields_) {
			if (name != f.name || f.offset + f.size > desc_.size())
				continue;
			if (f.size == 4)
				store_le<uint32_t>(desc_.data() + f.offset,
						   static_cast<uint32_t>(value));
			else
				store_le<uint64_t>(desc_.data() + f.offset, value);
			return;
		}
	}
	const std::vector<std::byte> &desc() const { return desc_; }

private:
	std::span<const NoteField> fields_;
	std::vector<std::byte> desc_;
};

std::vector<std::byte> x86_64_prstatus(const X86CpuState &s)
{
	DescWriter w(x86_64_prstatus_fields(), x86_64_prstatus_size);
	static const char *const high[] = {"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
	for (int i = 0; i < 8; i++)
		w.set(high[i], s.regs[8 + i]);
	w.set("rax", s.regs[rax]), w.set("rcx", s.regs[rcx]), w.set("rdx", s.regs[rdx]);
	w.set("rbx", s.regs[rbx]), w.set("rsp", s.regs[rsp]), w.set("rbp", s.regs[rbp]);
	w.set("rsi", s.regs[rsi]), w.set("rdi", s.regs[rdi]);
	w.set("pid", static_cast<uint32_t>(s.cpu_index + 1));
	w.set("rip", s.rip), w.set("eflags", s.eflags);
	w.set("cs", s.segs[cs].selector), w.set("ss", s.segs[ss].selector);
	w.set("ds", s.segs[ds].selector), w.set("es", s.segs[es].selector);
	w.set("fs", s.segs[fs].selector), w.set("gs", s.segs[gs].selector);
	w.set("fs_base", s.segs[fs].base), w.set("gs_base", s.segs[gs].base);
	return w.desc();
}

// The i386 elf_prstatus (144 bytes): pid at 24, 32-bit registers at 72, 16-bit selectors.
std::vector<std::byte> i386_prstatus(const X86CpuState &s)
{
	std::vector<std::byte> d(144);
	std::byte *regs = d.data() + 72;
	store_le<uint32_t>(d.data() + 24, static_cast<uint32_t>(s.cpu_index + 1));
	const int order[] = {rbx, rcx, rdx, rsi, rdi, rbp, rax};
	for (int i = 0; i < 7; i++)
		store_le<uint32_t>(regs + 4 * i, static_cast<uint32_t>(s.regs[order[i]]));
	const int selectors[] = {ds, es, fs, gs};
	for (int i = 0; i < 4; i++)
		store_le<uint16_t>(regs + 28 + 4 * i,
				   static_cast<uint16_t>(s.segs[selectors[i]].selector));
	store_le<uint32_t>(regs + 48, static_cast<uint32_t>(s.rip));
	store_le<uint16_t>(regs + 52, static_cast<uint16_t>(s.segs[cs].selector));
	store_le<uint32_t>(regs + 56, static_cast<uint32_t>(s.eflags));
	store_le<uint32_t>(regs + 60, static_cast<uint32_t>(s.regs[rsp]));
	store_le<uint16_t>(regs + 64, static_cast<uint16_t>(s.segs[ss].selector));
	return d;
}

void set_segment(DescWriter &w, const std::string &name, const X86Segment &seg)
{
	w.set(name + ".selector", seg.selector);
	w.set(name + ".limit", seg.limit);
	w.set(name + ".flags", seg.flags);
	w.set(name + ".base", seg.base);
}

std::vector<std::byte> qemu_cpu_state(const X86CpuState &s, uint32_t size)
{
	DescWriter w(qemu_cpu_state_fields(), size);
	static const char *const names[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
	w.set("version", 1);
	w.set("size", size);
	for (int i = 0; i < 16; i++)
		w.set(names[i], s.regs[i]);
	w.set("rip", s.rip), w.set("rflags", s.eflags);
	static const char *const segs[] = {"es", "cs", "ss", "ds", "fs", "gs"};
	for (int i = 0; i < 6; i++)
		set_segment(w, segs[i], s.segs[i]);
	set_segment(w, "ldt", s.ldt), set_segment(w, "tr", s.tr);
	set_segment(w, "gdt", s.gdt), set_segment(w, "idt", s.idt);
	for (int i = 0; i < 5; i++)
		w.set("cr" + std::to_string(i), s.cr[i]);
	w.set("kernel_gs_base", s.kernel_gs_base);
	return w.desc();
}

} // namespace

X86Notes build_x86_notes(const X86Cpus &cpus, uint32_t state_size)
{
	X86Notes out;
	std::vector<const X86CpuState *> current;
	for (const auto &cpu : cpus.cpus) {
		if (cpu.current)
			current.push_back(&cpu);
		else
			out.warnings.push_back("vCPU " + std::to_string(cpu.cpu_index) +
					       ": registers are stale (" + cpu.stale_reason +
					       "); no CPU notes written for it");
		if (cpu.current && cpu.flags_uncertain)
			out.warnings.push_back("vCPU " + std::to_string(cpu.cpu_index) +
					       ": stopped inside translated code; its arithmetic "
					       "flags in eflags may be stale");
	}
	// As dump-guest-memory, the first vCPU decides the flavour; a stale first vCPU decides
	// nothing, and x86_64 is what qemu-system-x86_64 guests overwhelmingly are.
	bool first_current = !cpus.cpus.empty() && cpus.cpus[0].current;
	bool lma = !first_current || (cpus.cpus[0].hflags & hf_lma_mask);
	out.elf_machine = lma ? EM_X86_64 : EM_386;
	for (const auto *cpu : current)
		if (!out.paging && (cpu->hflags & hf_lma_mask) && (cpu->cr[0] & cr0_paging))
			out.paging = X86_64Paging{cpu->cr[3], (cpu->cr[4] & cr4_la57) != 0};
	for (const auto *cpu : current)
		append_elf_note(out.bytes, "CORE", NT_PRSTATUS,
				lma ? x86_64_prstatus(*cpu) : i386_prstatus(*cpu));
	for (const auto *cpu : current)
		append_elf_note(out.bytes, "QEMU", 0, qemu_cpu_state(*cpu, state_size));
	return out;
}

ElfClass x86_elf_class(uint16_t elf_machine, const std::vector<GuestBlock> &blocks)
{
	if (elf_machine == EM_X86_64)
		return ElfClass::elf64;
	bool above_4g = std::any_of(blocks.begin(), blocks.end(),
				    [](const GuestBlock &b) { return b.end > UINT32_MAX; });
	return above_4g ? ElfClass::elf64 : ElfClass::elf32;
}

} // namespace vmcorefs
