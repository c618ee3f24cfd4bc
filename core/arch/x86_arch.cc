#include "arch/x86_arch.h"

#include <elf.h>

#include "arch/x86_note_fields.h"
#include "arch/x86_notes.h"
#include "kernel/kernel_text_alias.h"

namespace vmcorefs {
namespace {

class X86Arch final : public GuestArch {
public:
	// TYPE_X86_CPU of qemu-system-x86_64, the parent of every x86 CPU model.
	std::string_view cpu_type() const override { return "x86_64-cpu"; }
	Result<StructLayout> cpu_layout(QemuReader &reader) const override
	{
		return reader.layout({"X86CPU", "ArchCPU"});
	}
	Result<CpuNotes> cpu_notes(QemuReader &reader,
				   const std::string &accelerator) const override
	{
		auto cpus = read_x86_cpus(reader, accelerator);
		if (!cpus)
			return cpus.take_error();
		auto state = reader.layout("QEMUCPUState");
		X86Notes notes =
			build_x86_notes(*cpus, state ? state->size() : qemu_cpu_state_size);
		CpuNotes out{notes.elf_machine,
			     std::move(notes.bytes),
			     {},
			     std::move(notes.warnings),
			     notes.paging};
		for (const auto &cpu : cpus->cpus)
			out.vcpus.push_back({cpu.cpu_index, cpu.current});
		return out;
	}

	ElfClass elf_class(const GuestMemoryMap &map) const override
	{
		return x86_elf_class(map.elf_machine, map.blocks);
	}

	std::vector<MemoryAlias> aliases(const std::string &vmcoreinfo,
					 const GuestMemoryMap &map) const override
	{
		if (map.elf_machine != EM_X86_64)
			return {};
		if (auto alias = x86_64_kernel_text_alias(vmcoreinfo, map))
			return {*alias};
		return {};
	}
};

} // namespace

const GuestArch &x86_arch()
{
	static const X86Arch arch;
	return arch;
}

} // namespace vmcorefs
