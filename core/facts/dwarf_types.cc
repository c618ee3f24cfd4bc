#include "facts/dwarf_types.h"

#include <dwarf.h>

namespace vmcorefs {
namespace {

// A type chain longer than this is corrupt DWARF, not C.
constexpr int max_type_depth = 64;

bool is_definition(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	return !dwarf_hasattr(die, DW_AT_declaration) && dwarf_attr(die, DW_AT_byte_size, &attr);
}

bool member_offset(Dwarf_Die *member, uint64_t *offset)
{
	Dwarf_Attribute attr;
	Dwarf_Word value = 0;
	// Union members have no location: they are all at 0.
	if (!dwarf_attr(member, DW_AT_data_member_location, &attr)) {
		*offset = 0;
		return true;
	}
	if (dwarf_formudata(&attr, &value) != 0)
		return false;
	*offset = value;
	return true;
}

bool member_type(Dwarf_Die *member, Dwarf_Die *type)
{
	Dwarf_Attribute attr;
	if (!dwarf_attr_integrate(member, DW_AT_type, &attr) || !dwarf_formref_die(&attr, type))
		return false;
	*type = strip_type(*type);
	return true;
}

bool is_aggregate(Dwarf_Die *type)
{
	int tag = dwarf_tag(type);
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

// Finds `name` among the members of aggregate `parent`, descending into anonymous members.
bool find_named_member(Dwarf_Die parent, std::string_view name, uint64_t base, DwarfMember *out,
		       int depth)
{
	Dwarf_Die child;
	if (depth > max_type_depth || dwarf_child(&parent, &child) != 0)
		return false;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		uint64_t off;
		Dwarf_Die type;
		if (!member_offset(&child, &off) || !member_type(&child, &type))
			continue;
		const char *member_name = dwarf_diename(&child);
		if (member_name && name == member_name) {
			out->offset = base + off;
			out->type = type;
			out->size = type_size(type);
			return true;
		}
		if (!member_name && is_aggregate(&type) &&
		    find_named_member(type, name, base + off, out, depth + 1))
			return true;
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

} // namespace

Dwarf_Die strip_type(Dwarf_Die type)
{
	for (int i = 0; i < max_type_depth; i++) {
		int tag = dwarf_tag(&type);
		if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
		    tag != DW_TAG_volatile_type && tag != DW_TAG_restrict_type &&
		    tag != DW_TAG_atomic_type)
			break;
		Dwarf_Attribute attr;
		Dwarf_Die next;
		if (!dwarf_attr_integrate(&type, DW_AT_type, &attr) ||
		    !dwarf_formref_die(&attr, &next))
			break;
		type = next;
	}
	return type;
}

// The element count of one array dimension: DW_AT_count, or DW_AT_upper_bound - lower + 1.
// Without DW_AT_lower_bound libdw takes the default from the unit's DW_AT_language, which dwz's
// partial units (Debian's dbgsym packages) lack, so dwarf_aggregate_size fails there; C's 0 is
// assumed instead.
static bool subrange_count(Dwarf_Die *subrange, uint64_t *count)
{
	Dwarf_Attribute attr;
	Dwarf_Word value, lower = 0;
	if (dwarf_attr_integrate(subrange, DW_AT_count, &attr)) {
		if (dwarf_formudata(&attr, &value) != 0)
			return false;
		*count = value;
		return true;
	}
	if (dwarf_attr_integrate(subrange, DW_AT_lower_bound, &attr) &&
	    dwarf_formudata(&attr, &lower) != 0)
		return false;
	if (!dwarf_attr_integrate(subrange, DW_AT_upper_bound, &attr) ||
	    dwarf_formudata(&attr, &value) != 0 || value < lower)
		return false;
	*count = value - lower + 1;
	return true;
}

// An array's size from its element size and dimensions, for when dwarf_aggregate_size fails.
static uint64_t array_size(Dwarf_Die array)
{
	Dwarf_Attribute attr;
	Dwarf_Die element, child;
	if (!dwarf_attr_integrate(&array, DW_AT_type, &attr) ||
	    !dwarf_formref_die(&attr, &element) || dwarf_child(&array, &child) != 0)
		return 0;
	uint64_t size = type_size(strip_type(element));
	do {
		uint64_t count;
		if (dwarf_tag(&child) != DW_TAG_subrange_type)
			continue;
		if (!subrange_count(&child, &count))
			return 0;
		size *= count;
	} while (dwarf_siblingof(&child, &child) == 0);
	return size;
}

uint64_t type_size(Dwarf_Die type)
{
	Dwarf_Word size = 0;
	if (dwarf_aggregate_size(&type, &size) == 0)
		return size;
	return dwarf_tag(&type) == DW_TAG_array_type ? array_size(type) : 0;
}

uint64_t array_stride(Dwarf_Die type)
{
	Dwarf_Attribute attr;
	Dwarf_Die element;
	if (!dwarf_attr_integrate(&type, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &element))
		return 0;
	return type_size(strip_type(element));
}

std::optional<DwarfMember> find_member(Dwarf_Die aggregate, std::string_view path)
{
	DwarfMember out;
	Dwarf_Die current = aggregate;
	uint64_t base = 0;
	for (size_t pos = 0; pos <= path.size();) {
		size_t dot = path.find('.', pos);
		std::string_view part = path.substr(pos, dot == path.npos ? path.npos : dot - pos);
		if (!is_aggregate(&current) || !find_named_member(current, part, base, &out, 0))
			return std::nullopt;
		base = out.offset;
		current = out.type;
		if (dot == path.npos)
			break;
		pos = dot + 1;
	}
	return out;
}

void DwarfTypes::index_dwarf(Dwarf *dwarf)
{
	Dwarf_CU *cu = nullptr;
	Dwarf_Die unit, child;
	Dwarf_Half version;
	uint8_t unit_type;
	while (dwarf_get_units(dwarf, cu, &cu, &version, &unit_type, &unit, nullptr) == 0) {
		if (dwarf_child(&unit, &child) != 0)
			continue;
		do {
			int tag = dwarf_tag(&child);
			const char *name;
			if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type) &&
			    (name = dwarf_diename(&child)) && is_definition(&child))
				structs_.emplace(name, child);
			else if (tag == DW_TAG_typedef && (name = dwarf_diename(&child)))
				typedefs_.emplace(name, child);
			else if (tag == DW_TAG_enumeration_type)
				index_enumerators(child);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
}

void DwarfTypes::index_enumerators(Dwarf_Die enumeration)
{
	Dwarf_Die child;
	if (dwarf_child(&enumeration, &child) != 0)
		return;
	do {
		Dwarf_Attribute attr;
		Dwarf_Sword value;
		const char *name = dwarf_diename(&child);
		if (name && dwarf_tag(&child) == DW_TAG_enumerator &&
		    dwarf_attr(&child, DW_AT_const_value, &attr) &&
		    dwarf_formsdata(&attr, &value) == 0)
			enumerators_.emplace(name, value);
	} while (dwarf_siblingof(&child, &child) == 0);
}

std::optional<int64_t> DwarfTypes::enumerator(std::string_view name)
{
	build_index();
	auto it = enumerators_.find(name);
	if (it == enumerators_.end())
		return std::nullopt;
	return it->second;
}

void DwarfTypes::build_index()
{
	if (indexed_)
		return;
	indexed_ = true;
	index_dwarf(dwarf_);
	if (Dwarf *alt = dwarf_getalt(dwarf_))
		index_dwarf(alt);
}

std::optional<Dwarf_Die> DwarfTypes::find_struct(std::string_view name)
{
	build_index();
	if (auto it = structs_.find(name); it != structs_.end())
		return it->second;
	auto td = typedefs_.find(name);
	if (td == typedefs_.end())
		return std::nullopt;
	Dwarf_Die die = strip_type(td->second);
	if (is_definition(&die))
		return die;
	// A typedef of an incomplete struct: the definition by its tag name.
	const char *tag = dwarf_diename(&die);
	auto def = tag ? structs_.find(tag) : structs_.end();
	if (def == structs_.end())
		return std::nullopt;
	return def->second;
}

} // namespace vmcorefs
