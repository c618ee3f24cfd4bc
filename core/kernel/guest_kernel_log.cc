#include "kernel/guest_kernel_log.h"

#include "kernel/kernel_memory.h"
#include "qemu/guest_memory_resolver.h"

namespace vmcorefs {

KernelLog read_guest_kernel_log(const ProcessCore &core, const GuestMemoryMap &map)
{
	if (map.vmcoreinfo.empty())
		return {{}, "the guest published no VMCOREINFO"};
	auto memory = KernelMemory::open(map.elf_machine, map.vmcoreinfo,
					 [&](uint64_t paddr, void *dst, size_t length) {
						 return read_guest_physical(core, map, paddr, dst,
									    length);
					 });
	if (!memory)
		return {{}, memory.error().message};
	return read_kernel_log(map.vmcoreinfo, [&](uint64_t vaddr, void *dst, size_t length) {
		return memory->read(vaddr, dst, length);
	});
}

} // namespace vmcorefs
