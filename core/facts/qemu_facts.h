// QemuFacts: what vmcorefs knows about one QEMU build, the answer to every lookup that
// qemu_fact_list.h declares: struct sizes, member offsets, sizes and array strides, enumerator
// values, and where globals lie relative to the executable's load address. The answers come
// from QEMU's DWARF (dwarf_facts.h) or from a layout profile (layout_profile.h); the walkers read
// them here and do not know which.
//
// An answer may be that QEMU has no such thing (a field of another release, another target's
// struct): the walker decides whether that is an error. A lookup that qemu_fact_list.h does not
// declare is always an error, so that a profile can never lack what a walk needs.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace vmcorefs {

struct Field {
	uint64_t offset = 0; // from the start of the outermost struct
	uint64_t size = 0;   // byte size of the field's type
	uint64_t stride = 0; // for an array: the size of one element; else 0
	std::string path;    // the dotted path that matched
};

class QemuFacts;

// A struct's answers by declared field names ("vcpu_dirty|hwaccel_synchronized"); nullopt: QEMU
// has none of them.
using FieldAnswers = std::map<std::string, std::optional<Field>, std::less<>>;

// One struct of the build: its size and the answers for its declared fields.
class StructLayout {
public:
	const std::string &name() const { return name_; } // the name that matched
	// sizeof(struct): also the stride of an array of it.
	uint64_t size() const { return size_; }
	// A member by dotted path ("addr.start", "parent_obj.class"). Error bad_structure naming
	// the struct and path when QEMU has none.
	Result<Field> field(std::string_view path) const;
	// The first of several names that exists (fields QEMU renamed between releases), newest
	// name first. Which one matched, or that none did, is recorded as a line of
	// QemuFacts::matched(): "field CPUState.vcpu_dirty|hwaccel_synchronized: vcpu_dirty". A
	// one-name list is how an optional field is looked up, so that its absence is recorded too.
	Result<Field> field(std::initializer_list<std::string_view> paths) const;
	// Several fields at once: {"path", &out}...; the first missing one is the error.
	struct Request {
		std::string_view path;
		Field *out;
	};
	Result<void> fields(std::initializer_list<Request> requests) const;

private:
	friend class QemuFacts;
	StructLayout(const std::string &key, const std::string &name, uint64_t size,
		     const FieldAnswers &fields, const QemuFacts *facts)
		: key_(key), name_(name), size_(size), fields_(&fields), facts_(facts)
	{
	}
	// The answer for a declared key; error when it is not declared.
	Result<std::optional<Field>> answer(const std::string &key) const;

	std::string key_; // the declared names, '|'-joined
	std::string name_;
	uint64_t size_;
	const FieldAnswers *fields_;
	const QemuFacts *facts_; // for matched()
};

class QemuFacts {
public:
	// The answers, as dwarf_facts.h finds them and layout_profile.h reads and writes them. Keys
	// are the declared names ("X86CPU|ArchCPU"); nullopt: QEMU has none of them.
	struct Struct {
		std::string name; // the name that matched
		uint64_t size = 0;
		FieldAnswers fields;
	};
	struct Symbol {
		std::string name;    // the name that matched
		uint64_t offset = 0; // from the executable's load bias
	};
	std::map<std::string, std::optional<Struct>, std::less<>> structs;
	std::map<std::string, std::optional<int64_t>, std::less<>> enumerators;
	std::map<std::string, std::optional<Symbol>, std::less<>> globals;
	std::map<std::string, std::optional<Symbol>, std::less<>> global_prefixes;
	std::string qemu_version; // "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)"; empty when unknown
	std::vector<uint8_t> build_id;
	// Set when these are another build's layouts keyed to this build (facts_source): the
	// profile they came from. Its statics are then unknown, not absent, and a walk with them
	// must pass layout_checks.h's checks.
	std::string borrowed_from;

	// A struct or union by name ("FlatRange", the typedef "CPUX86State").
	Result<StructLayout> find_struct(std::string_view name) const;
	// The first of several names that exists; which one is recorded in matched().
	Result<StructLayout> find_struct(std::initializer_list<std::string_view> names) const;
	// The value of an enumerator ("CC_OP_EFLAGS").
	Result<int64_t> enumerator(std::string_view name) const;
	// A global's offset from the load bias, and the name that matched (the first of several);
	// error not_qemu (naming no file) when QEMU has none of them. Alternatives are recorded in
	// matched().
	Result<Symbol> global(std::initializer_list<std::string_view> names) const;
	// The first global whose name starts with prefix (compiler-suffixed statics); nullopt when
	// there is none.
	Result<std::optional<Symbol>> global_with_prefix(std::string_view prefix) const;

	// "what was looked up: what it matched" lines for names with alternatives (structs, fields,
	// globals), once each, in the order of the walk, for `--info -v`.
	const std::vector<std::string> &matched() const { return matched_; }

private:
	friend class StructLayout;
	void note_match(const std::string &line) const;

	mutable std::vector<std::string> matched_;
};

// "a|b|c": the key of a lookup with alternatives, as qemu_fact_list.h writes it.
std::string join_names(std::initializer_list<std::string_view> names, std::string_view separator);

} // namespace vmcorefs
