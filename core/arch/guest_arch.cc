#include "arch/guest_arch.h"

#include "arch/aarch64_arch.h"
#include "arch/x86_arch.h"

namespace vmcorefs {

ElfClass GuestArch::elf_class(const GuestMemoryMap &) const
{
	return ElfClass::elf64;
}

std::vector<MemoryAlias> GuestArch::aliases(const std::string &, const GuestMemoryMap &) const
{
	return {};
}

Result<const GuestArch *> find_guest_arch(QemuReader &reader)
{
	// CPUArchState is each target's own struct, under the name of its typedef.
	if (reader.layout("CPUX86State"))
		return &x86_arch();
	if (reader.layout("CPUARMState"))
		return &aarch64_arch();
	return make_error(ErrorCode::unsupported, reader.core().path(),
			  "a QEMU for a guest architecture vmcorefs does not read (its debug info "
			  "has neither CPUX86State nor CPUARMState): only x86_64 and aarch64");
}

} // namespace vmcorefs
