#include "qemu_identity.h"

#include <cstring>
#include <gelf.h>

#include "qom_type.h"

namespace vmcorefs {
namespace {

// softmmu/vl.c prints "QEMU emulator version " QEMU_FULL_VERSION "\n" for --version; the
// literal sits whole in .rodata, which is the one place the version is recorded.
std::string version_from_rodata(Elf *elf)
{
	static const char banner[] = "QEMU emulator version ";
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return {};
	for (Elf_Scn *scn = nullptr; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr shdr;
		const char *name;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS ||
		    !(name = elf_strptr(elf, shstrndx, shdr.sh_name)) || strcmp(name, ".rodata"))
			continue;
		Elf_Data *data = elf_getdata(scn, nullptr);
		if (!data || !data->d_buf)
			return {};
		const char *base = static_cast<const char *>(data->d_buf);
		const char *hit = static_cast<const char *>(
			memmem(base, data->d_size, banner, sizeof banner - 1));
		if (!hit)
			return {};
		const char *start = hit + sizeof banner - 1;
		const char *end = start;
		while (end < base + data->d_size && *end && *end != '\n')
			end++;
		return std::string(start, end);
	}
	return {};
}

// The QOM type of current_machine, minus QOM's "-machine" suffix.
Result<std::string> machine_type(QemuReader &r)
{
	auto machine = r.global("current_machine");
	if (!machine)
		return machine.take_error();
	auto ms = r.read_uint(*machine, Field{0, 8, {}, "current_machine"});
	if (!ms || !*ms)
		return make_error(ErrorCode::bad_structure, "", "no current machine");
	auto name = qom_type_name(r, *ms);
	if (!name)
		return name.take_error();
	std::string s = *name;
	if (s.ends_with("-machine"))
		s.resize(s.size() - strlen("-machine"));
	return s;
}

std::string accelerator(QemuReader &r)
{
	Field flag{0, 1, {}, "accelerator flag"};
	for (const char *accel : {"kvm", "tcg"}) {
		auto address = r.global(std::string(accel) + "_allowed");
		if (!address)
			continue;
		auto on = r.read_bool(*address, flag);
		if (on && *on)
			return accel;
	}
	return "unknown";
}

} // namespace

QemuIdentity read_qemu_identity(QemuReader &r)
{
	QemuIdentity id;
	id.version = version_from_rodata(r.debug().executable_elf());
	if (id.version.empty())
		id.version = "unknown";
	auto machine = machine_type(r);
	id.machine = machine ? *machine : "unknown";
	id.accelerator = accelerator(r);
	return id;
}

} // namespace vmcorefs
