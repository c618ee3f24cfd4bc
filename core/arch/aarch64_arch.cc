#include "arch/aarch64_arch.h"

#include <elf.h>

#include "arch/aarch64_notes.h"
#include "kernel/kernel_text_alias.h"

namespace vmcorefs {
namespace {

class Aarch64Arch final : public GuestArch {
public:
	// TYPE_ARM_CPU, the parent of every Arm CPU model ("aarch64-cpu" among them).
	std::string_view cpu_type() const override { return "arm-cpu"; }
	Result<StructLayout> cpu_layout(QemuReader &reader) const override
	{
		return reader.layout({"ARMCPU", "ArchCPU"});
	}
	Result<CpuNotes> cpu_notes(QemuReader &reader,
				   const std::string &accelerator) const override
	{
		auto cpus = read_aarch64_cpus(reader, accelerator);
		if (!cpus)
			return cpus.take_error();
		Aarch64Notes notes = build_aarch64_notes(*cpus);
		CpuNotes out;
		out.elf_machine = EM_AARCH64;
		out.bytes = std::move(notes.bytes);
		out.warnings = std::move(notes.warnings);
		for (const auto &cpu : *cpus)
			out.vcpus.push_back({cpu.cpu_index, cpu.current});
		return out;
	}

	std::vector<MemoryAlias> aliases(const std::string &vmcoreinfo,
					 const GuestMemoryMap &map) const override
	{
		if (auto alias = aarch64_kernel_image_alias(vmcoreinfo, map))
			return {*alias};
		return {};
	}
};

} // namespace

const GuestArch &aarch64_arch()
{
	static const Aarch64Arch arch;
	return arch;
}

} // namespace vmcorefs
