// The one list of what vmcorefs reads about a QEMU build: the structs it walks and their fields,
// the enumerators and the globals. A walk looks each one up in QemuFacts, which answers only what
// is declared here, whether the answers came from QEMU's DWARF or from a layout profile; so a
// profile holds exactly what a walk reads, and a lookup left out of this list fails on the first
// scenario that reaches it rather than passing unnoticed with DWARF.
//
// Adding a fact needs nothing more: profiles without it are refused and made again. Changing what
// a declared fact means does: bump the format's version (layout_profile.cc), or old profiles would
// be read with the new meaning.
//
// A name with alternatives is written as QEMU's names joined by '|', newest first
// ("cpus_queue|cpus", a field "vcpu_dirty|hwaccel_synchronized"): the first that exists is the
// answer. A field is a dotted path through named and anonymous members ("addr.start").
#pragma once

#include <span>
#include <string_view>

namespace vmcorefs {

struct DeclaredStruct {
	std::string_view names;
	std::span<const std::string_view> fields;
};

struct DeclaredFacts {
	std::span<const DeclaredStruct> structs;
	std::span<const std::string_view> enumerators;
	std::span<const std::string_view> globals;
	// Statics the compiler may suffix ("vmcoreinfo_state.0"): the first symbol with the prefix.
	std::span<const std::string_view> global_prefixes;
};

const DeclaredFacts &declared_facts();

} // namespace vmcorefs
