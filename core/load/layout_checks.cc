#include "load/layout_checks.h"

#include <algorithm>

#include "base/text_escape.h"
#include "qemu/cpu_list.h"
#include "qemu/qom_type.h"

namespace vmcorefs {
namespace {

Error misfit(QemuReader &r, const std::string &what)
{
	return make_error(ErrorCode::mismatch, r.core().path(), "the layout does not fit: " + what);
}

Result<void> check_machine(QemuReader &r)
{
	auto machine = r.global("current_machine");
	if (!machine)
		return machine.take_error();
	auto address = r.read_uint(*machine, Field{0, 8, {}, "current_machine"});
	if (!address)
		return address.take_error();
	auto is_machine = qom_object_is_a(r, *address, "machine");
	if (!is_machine)
		return is_machine.take_error();
	if (!*is_machine)
		return misfit(r, "current_machine (" + hex(*address) + ") is not a QOM machine");
	return {};
}

// QOM allocates each vCPU with the size of the target's CPU struct as this build compiled it: a
// field added to or removed from CPUState, the target's CPU state or the CPU struct itself shows
// as a size the profile does not have.
Result<void> check_vcpus(QemuReader &r, const GuestArch &arch, const GuestMemoryMap &map)
{
	auto layout = arch.cpu_layout(r);
	if (!layout)
		return layout.take_error();
	auto vcpus = walk_cpu_list(r, map.accelerator);
	if (!vcpus)
		return vcpus.take_error();
	if (vcpus->empty())
		return misfit(r, "the vCPU list is empty");
	for (size_t i = 0; i < vcpus->size(); i++) {
		const VcpuRef &vcpu = (*vcpus)[i];
		std::string name = "vCPU " + std::to_string(i) + " (" + hex(vcpu.address) + ")";
		if (vcpu.cpu_index != static_cast<int32_t>(i))
			return misfit(r, name + " has cpu_index " + std::to_string(vcpu.cpu_index));
		auto is_cpu = qom_object_is_a(r, vcpu.address, arch.cpu_type());
		if (!is_cpu)
			return is_cpu.take_error();
		if (!*is_cpu)
			return misfit(r,
				      name + " is not of QOM type " + std::string(arch.cpu_type()));
		auto size = qom_instance_size(r, vcpu.address);
		if (!size)
			return size.take_error();
		if (*size != layout->size())
			return misfit(r, name + " is an object of " + std::to_string(*size) +
						 " bytes, but the profile's " + layout->name() +
						 " has " + std::to_string(layout->size()));
	}
	return {};
}

Result<void> check_ramblocks(QemuReader &r, const GuestMemoryMap &map)
{
	for (const RamBlockInfo &block : map.ramblocks)
		if (block.idstr.empty() ||
		    !std::all_of(block.idstr.begin(), block.idstr.end(),
				 [](char c) { return c >= 0x20 && c < 0x7f; }))
			return misfit(r, "a RAMBlock's idstr is \"" + printable(block.idstr) +
						 "\", not a name");
	return {};
}

} // namespace

Result<void> check_borrowed_layout(QemuReader &reader, const GuestArch &arch,
				   const GuestMemoryMap &map)
{
	VMCOREFS_TRY(check_machine(reader));
	VMCOREFS_TRY(check_vcpus(reader, arch, map));
	return check_ramblocks(reader, map);
}

} // namespace vmcorefs
