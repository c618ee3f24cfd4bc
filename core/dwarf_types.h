// DwarfTypes: struct layouts from QEMU's DWARF, by name. Offsets, sizes and array strides are
// never hard-coded: they differ between QEMU releases and even patch levels (Debian's 7.2.22
// MemoryRegion has fields 7.2.0's lacks). Fields are looked up by dotted path through named and
// anonymous members, with fallback names for fields QEMU renamed; the names that matched are
// recorded so that `--info -v` can show them.
//
// The index of struct and typedef names is built once, on first use, in one pass over the
// top-level DIEs of every unit (and of the dwz alt file's units, where types live in Debian's
// dbgsym packages).
#pragma once

#include <algorithm>
#include <cstdint>
#include <elfutils/libdw.h>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "error.h"

namespace vmcorefs {

struct Field {
	uint64_t offset = 0; // from the start of the outermost struct
	uint64_t size = 0;   // byte size of the field's type
	Dwarf_Die type{};    // the field's type, typedefs and qualifiers stripped
	std::string path;    // the dotted path that matched
};

class DwarfTypes;

class StructLayout {
public:
	// types, when given, records which of several alternative names matched (see matched()).
	StructLayout(std::string name, Dwarf_Die die, uint64_t size, DwarfTypes *types = nullptr)
		: name_(std::move(name)), die_(die), size_(size), types_(types) {}
	const std::string &name() const { return name_; }
	// sizeof(struct): also the stride of an array of it.
	uint64_t size() const { return size_; }
	// A member by dotted path ("addr.start", "parent_obj.class"), searching through anonymous
	// unions and structs. Error bad_structure naming the struct and path when missing.
	Result<Field> field(std::string_view path) const;
	// The first of several names that exists (fields QEMU renamed between releases), newest
	// name first. Which one matched, or that none did, is recorded as a line of matched():
	// "field CPUState.vcpu_dirty|hwaccel_synchronized: vcpu_dirty". A one-name list is how an optional
	// field is looked up, so that its absence is recorded too.
	Result<Field> field(std::initializer_list<std::string_view> paths) const;
	// Several fields at once: {"path", &out}...; the first missing one is the error.
	struct Request {
		std::string_view path;
		Field *out;
	};
	Result<void> fields(std::initializer_list<Request> requests) const;

private:
	std::string name_;
	Dwarf_Die die_;
	uint64_t size_;
	DwarfTypes *types_;
};

class DwarfTypes {
public:
	// dwarf must outlive this object.
	explicit DwarfTypes(Dwarf *dwarf) : dwarf_(dwarf) {}

	// A struct or union definition by tag name or typedef name ("FlatRange", "CPUX86State").
	Result<StructLayout> find_struct(std::string_view name);
	// The first of several names that exists; which one is recorded in matched().
	Result<StructLayout> find_struct(std::initializer_list<std::string_view> names);

	// The value of an enumerator ("CC_OP_EFLAGS").
	Result<int64_t> enumerator(std::string_view name);

	// "what was looked up: what it matched" lines for names with alternatives (structs, fields,
	// globals), once each, for `--info -v`.
	const std::vector<std::string> &matched() const { return matched_; }
	void note_match(const std::string &line)
	{
		if (std::find(matched_.begin(), matched_.end(), line) == matched_.end())
			matched_.push_back(line);
	}

private:
	void build_index();
	void index_dwarf(Dwarf *dwarf);
	void index_enumerators(Dwarf_Die enumeration);

	Dwarf *dwarf_;
	bool indexed_ = false;
	std::unordered_map<std::string_view, Dwarf_Die> structs_;
	std::unordered_map<std::string_view, Dwarf_Die> typedefs_;
	std::unordered_map<std::string_view, int64_t> enumerators_;
	std::vector<std::string> matched_;
};

// Strips typedefs and cv-qualifiers.
Dwarf_Die strip_type(Dwarf_Die type);
// Byte size of a type (arrays included), or 0 when unknown.
uint64_t type_size(Dwarf_Die type);
// For an array type: the size of one element.
uint64_t array_stride(Dwarf_Die type);

} // namespace vmcorefs
