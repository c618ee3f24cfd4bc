// DwarfTypes: struct layouts from QEMU's DWARF, by name. Offsets, sizes and array strides are
// never hard-coded: they differ between QEMU releases and even patch levels (Debian's 7.2.22
// MemoryRegion has fields 7.2.0's lacks). Members are looked up by dotted path through named and
// anonymous members. dwarf_facts.h asks it the questions qemu_fact_list.h declares.
//
// The index of struct and typedef names is built once, on first use, in one pass over the
// top-level DIEs of every unit (and of the dwz alt file's units, where types live in Debian's
// dbgsym packages).
#pragma once

#include <cstdint>
#include <elfutils/libdw.h>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace vmcorefs {

// A member of a struct, found by dotted path.
struct DwarfMember {
	uint64_t offset = 0; // from the start of the outermost struct
	uint64_t size = 0;   // byte size of the member's type
	Dwarf_Die type{};    // the member's type, typedefs and qualifiers stripped
};

class DwarfTypes {
public:
	// dwarf must outlive this object.
	explicit DwarfTypes(Dwarf *dwarf) : dwarf_(dwarf) {}

	// A struct or union definition by tag name or typedef name ("FlatRange", "CPUX86State");
	// nullopt when there is none.
	std::optional<Dwarf_Die> find_struct(std::string_view name);
	// The value of an enumerator ("CC_OP_EFLAGS"); nullopt when there is none.
	std::optional<int64_t> enumerator(std::string_view name);

private:
	void build_index();
	void index_dwarf(Dwarf *dwarf);
	void index_enumerators(Dwarf_Die enumeration);

	Dwarf *dwarf_;
	bool indexed_ = false;
	std::unordered_map<std::string_view, Dwarf_Die> structs_;
	std::unordered_map<std::string_view, Dwarf_Die> typedefs_;
	std::unordered_map<std::string_view, int64_t> enumerators_;
};

// A member of struct (or union) aggregate by dotted path ("addr.start", "parent_obj.class"),
// searching through anonymous unions and structs; nullopt when there is none.
std::optional<DwarfMember> find_member(Dwarf_Die aggregate, std::string_view path);
// Strips typedefs and cv-qualifiers.
Dwarf_Die strip_type(Dwarf_Die type);
// Byte size of a type (arrays included), or 0 when unknown.
uint64_t type_size(Dwarf_Die type);
// For an array type: the size of one element.
uint64_t array_stride(Dwarf_Die type);

} // namespace vmcorefs
