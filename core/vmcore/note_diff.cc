#include "vmcore/note_diff.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <elf.h>
#include <sstream>

#include "arch/x86_note_fields.h"
#include "base/byte_order.h"

namespace vmcorefs {
namespace {

uint64_t field_value(const std::vector<std::byte> &desc, const NoteField &f)
{
	return f.size == 4 ? load_le<uint32_t>(desc.data() + f.offset)
			   : load_le<uint64_t>(desc.data() + f.offset);
}

std::vector<std::string> diff_fields(std::span<const NoteField> fields, const VmcoreNote &a,
				     const VmcoreNote &b)
{
	std::vector<std::string> out;
	for (const auto &f : fields) {
		if (f.offset + f.size > a.desc.size() || f.offset + f.size > b.desc.size())
			continue;
		uint64_t x = field_value(a.desc, f), y = field_value(b.desc, f);
		if (x != y) {
			char line[160];
			std::snprintf(line, sizeof line,
				      "%s: vmcorefs 0x%" PRIx64 ", reference 0x%" PRIx64, f.name, x,
				      y);
			out.push_back(line);
		}
	}
	return out;
}

std::vector<std::string> lines_of(const VmcoreNote &n)
{
	std::vector<std::string> lines;
	std::istringstream in(
		std::string(reinterpret_cast<const char *>(n.desc.data()),
			    strnlen(reinterpret_cast<const char *>(n.desc.data()), n.desc.size())));
	for (std::string line; std::getline(in, line);)
		lines.push_back(line);
	return lines;
}

std::vector<std::string> diff_vmcoreinfo(const VmcoreNote &a, const VmcoreNote &b)
{
	auto x = lines_of(a), y = lines_of(b);
	for (size_t i = 0; i < std::max(x.size(), y.size()); i++) {
		std::string l = i < x.size() ? x[i] : "(end)";
		std::string r = i < y.size() ? y[i] : "(end)";
		if (l != r)
			return {"line " + std::to_string(i + 1) + ": vmcorefs '" + l +
				"', reference '" + r + "'"};
	}
	return {};
}

} // namespace

std::vector<std::string> diff_note_fields(const VmcoreNote &ours, const VmcoreNote &reference)
{
	std::vector<std::string> out;
	if (ours.desc == reference.desc)
		return out;
	if (ours.desc.size() != reference.desc.size())
		out.push_back("size: vmcorefs " + std::to_string(ours.desc.size()) +
			      ", reference " + std::to_string(reference.desc.size()));
	std::vector<std::string> fields;
	if (ours.name == "CORE" && ours.type == NT_PRSTATUS)
		fields = diff_fields(x86_64_prstatus_fields(), ours, reference);
	else if (ours.name == "QEMU")
		fields = diff_fields(qemu_cpu_state_fields(), ours, reference);
	else if (ours.name == "VMCOREINFO")
		fields = diff_vmcoreinfo(ours, reference);
	out.insert(out.end(), fields.begin(), fields.end());
	if (fields.empty()) {
		size_t n = std::min(ours.desc.size(), reference.desc.size()), i = 0;
		while (i < n && ours.desc[i] == reference.desc[i])
			i++;
		out.push_back("bytes differ from offset " + std::to_string(i));
	}
	return out;
}

} // namespace vmcorefs
