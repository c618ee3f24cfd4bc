#include "facts/dwarf_facts.h"

#include <cstring>
#include <dwarf.h>

#include "facts/dwarf_types.h"
#include "facts/qemu_banner.h"
#include "facts/qemu_fact_list.h"

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
				     dwarf_tag(&m->type) == DW_TAG_array_type
					     ? array_stride(m->type)
					     : 0,
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
			prefix,
			named ? std::optional(QemuFacts::Symbol{named->first,
								named->second - debug.load_bias()})
			      : std::nullopt);
	}
	facts.qemu_version = qemu_version_of(debug.executable_elf());
	facts.build_id = debug.build_id();
	return facts;
}

} // namespace vmcorefs
