#include "qemu/qemu_identity.h"

#include <cstring>

#include "qemu/qom_type.h"

namespace vmcorefs {
namespace {

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
	id.version = r.facts().qemu_version;
	if (id.version.empty())
		id.version = "unknown";
	auto machine = machine_type(r);
	id.machine = machine ? *machine : "unknown";
	id.accelerator = accelerator(r);
	return id;
}

} // namespace vmcorefs
