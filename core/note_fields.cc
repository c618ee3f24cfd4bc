#include "note_fields.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <elf.h>
#include <sstream>

#include "byte_order.h"

namespace vmcorefs {
namespace {

constexpr NoteField prstatus_fields[] = {
	{"pid", 32, 4},       {"r15", 112, 8}, {"r14", 120, 8},     {"r13", 128, 8},
	{"r12", 136, 8},      {"rbp", 144, 8}, {"rbx", 152, 8},     {"r11", 160, 8},
	{"r10", 168, 8},      {"r9", 176, 8},  {"r8", 184, 8},      {"rax", 192, 8},
	{"rcx", 200, 8},      {"rdx", 208, 8}, {"rsi", 216, 8},     {"rdi", 224, 8},
	{"orig_rax", 232, 8}, {"rip", 240, 8}, {"cs", 248, 8},      {"eflags", 256, 8},
	{"rsp", 264, 8},      {"ss", 272, 8},  {"fs_base", 280, 8}, {"gs_base", 288, 8},
	{"ds", 296, 8},       {"es", 304, 8},  {"fs", 312, 8},      {"gs", 320, 8},
};

// QEMUCPUSegment: {u32 selector, u32 limit, u32 flags, u32 pad, u64 base}.
// Laid out by hand: clang-format takes the macro's last braces for a block.
// clang-format off
#define SEGMENT(name, at) \
	{name ".selector", at, 4}, {name ".limit", at + 4, 4}, {name ".flags", at + 8, 4}, \
	{name ".pad", at + 12, 4}, {name ".base", at + 16, 8}
// clang-format on

constexpr NoteField qemu_fields[] = {
	{"version", 0, 4},   {"size", 4, 4},      {"rax", 8, 8},       {"rbx", 16, 8},
	{"rcx", 24, 8},      {"rdx", 32, 8},      {"rsi", 40, 8},      {"rdi", 48, 8},
	{"rsp", 56, 8},      {"rbp", 64, 8},      {"r8", 72, 8},       {"r9", 80, 8},
	{"r10", 88, 8},      {"r11", 96, 8},      {"r12", 104, 8},     {"r13", 112, 8},
	{"r14", 120, 8},     {"r15", 128, 8},     {"rip", 136, 8},     {"rflags", 144, 8},
	SEGMENT("cs", 152),  SEGMENT("ds", 176),  SEGMENT("es", 200),  SEGMENT("fs", 224),
	SEGMENT("gs", 248),  SEGMENT("ss", 272),  SEGMENT("ldt", 296), SEGMENT("tr", 320),
	SEGMENT("gdt", 344), SEGMENT("idt", 368), {"cr0", 392, 8},     {"cr1", 400, 8},
	{"cr2", 408, 8},     {"cr3", 416, 8},     {"cr4", 424, 8},     {"kernel_gs_base", 432, 8},
};
#undef SEGMENT

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

std::span<const NoteField> x86_64_prstatus_fields()
{
	return prstatus_fields;
}
std::span<const NoteField> qemu_cpu_state_fields()
{
	return qemu_fields;
}

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
		fields = diff_fields(prstatus_fields, ours, reference);
	else if (ours.name == "QEMU")
		fields = diff_fields(qemu_fields, ours, reference);
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
