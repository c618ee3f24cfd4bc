#include "dwarf_facts.h"

#include <cstring>
#include <dwarf.h>
#include <gelf.h>

#include "dwarf_types.h"
#include "qemu_fact_list.h"

namespace vmcorefs {
namespace {

// "a|b" into {"a", "b"}.
std::vector<std::string_view> alternatives(std::string_view names)
{
	std::vector<std::string_view> out;
	for (size_t pos = 0;;) {
		size_t bar = names.find('|', pos);
		out.push_back(names.substr(pos, bar == names.npos ? names.npos : bar - pos));
		if (bar == names.npos)
			return out;
		pos = bar + 1;
	}
}

std::optional<Field> first_member(Dwarf_Die aggregate, std::string_view paths)
{
	for (std::string_view path : alternatives(paths))
		if (auto m = find_member(aggregate, path))
			return Field{m->offset, m->size,
				     dwarf_tag(&m->type) == DW_TAG_array_type ? array_stride(m->type) : 0,
				     std::string(path)};
	return std::nullopt;
}

std::optional<QemuFacts::Struct> first_struct(DwarfTypes &types, const DeclaredStruct &declared)
{
	for (std::string_view name : alternatives(declared.names)) {
		auto die = types.find_struct(name);
		if (!die)
			continue;
		QemuFacts::Struct s{std::string(name), type_size(*die), {}};
		for (std::string_view paths : declared.fields)
			s.fields.emplace(paths, first_member(*die, paths));
		return s;
	}
	return std::nullopt;
}

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

std::optional<QemuFacts::Symbol> first_symbol(const DebugInfo &debug, std::string_view names)
{
	for (std::string_view name : alternatives(names))
		if (auto address = debug.symbol(name))
			return QemuFacts::Symbol{std::string(name), *address - debug.load_bias()};
	return std::nullopt;
}

} // namespace

QemuFacts layout_facts_from_dwarf(Dwarf *dwarf)
{
	DwarfTypes types(dwarf);
	QemuFacts facts;
	const DeclaredFacts &declared = declared_facts();
	for (const DeclaredStruct &s : declared.structs)
		facts.structs.emplace(s.names, first_struct(types, s));
	for (std::string_view name : declared.enumerators)
		facts.enumerators.emplace(name, types.enumerator(name));
	return facts;
}

QemuFacts facts_from_debug_info(const DebugInfo &debug)
{
	QemuFacts facts = layout_facts_from_dwarf(debug.dwarf());
	const DeclaredFacts &declared = declared_facts();
	for (std::string_view names : declared.globals)
		facts.globals.emplace(names, first_symbol(debug, names));
	for (std::string_view prefix : declared.global_prefixes) {
		auto named = debug.symbol_with_prefix(prefix);
		facts.global_prefixes.emplace(
			prefix, named ? std::optional(QemuFacts::Symbol{
						named->first, named->second - debug.load_bias()})
				      : std::nullopt);
	}
	facts.qemu_version = version_from_rodata(debug.executable_elf());
	facts.build_id = debug.build_id();
	return facts;
}

} // namespace vmcorefs
