// QemuReader: typed reads of QEMU's in-memory structures out of a process core, addressed by
// global symbol and struct field as QemuFacts gives them (from DWARF or a layout profile). The
// core comes from a crashed process, so every read can fail (memory absent from the core) and
// every failure says which structure and field was being read.
// StructReader is the part that needs no symbols: structures reached through pointers only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "facts/qemu_facts.h"
#include "source/process_core.h"

namespace vmcorefs {

class StructReader {
public:
	StructReader(const ProcessCore &core, const QemuFacts &facts) : core_(core), facts_(facts)
	{
	}

	const ProcessCore &core() const { return core_; }
	const QemuFacts &facts() const { return facts_; }

	Result<StructLayout> layout(std::string_view name) const
	{
		return facts_.find_struct(name);
	}
	// The first of several names (structs QEMU renamed).
	Result<StructLayout> layout(std::initializer_list<std::string_view> names) const
	{
		return facts_.find_struct(names);
	}

	// The unsigned integer (1, 2, 4 or 8 bytes) of field f of the struct at base.
	Result<uint64_t> read_uint(uint64_t base, const Field &f) const;
	// The first count elements of an array-of-integers field (target_ulong regs[]), with the
	// element size from DWARF.
	Result<void> read_uint_array(uint64_t base, const Field &array, uint64_t *out,
				     size_t count) const;
	// The low 64 bits of an Int128 field, which must have a zero high half (as int128_get64
	// asserts in QEMU).
	Result<uint64_t> read_int128(uint64_t base, const Field &f) const;
	Result<bool> read_bool(uint64_t base, const Field &f) const;
	// A fixed-size char array field (e.g. RAMBlock.idstr), up to its first NUL.
	Result<std::string> read_char_array(uint64_t base, const Field &f) const;
	// The string a `const char *` field points to, at most max_length bytes.
	Result<std::string> read_string_pointer(uint64_t base, const Field &f,
						size_t max_length = 4096) const;
	// Raw bytes at an address.
	Result<void> read_bytes(uint64_t address, void *dst, size_t length,
				std::string_view what) const;

private:
	Error fault(const Error &inner, std::string_view what) const;

	const ProcessCore &core_;
	const QemuFacts &facts_;
};

class QemuReader : public StructReader {
public:
	// load_bias: where QEMU's executable is loaded in the core (the globals' offsets are from
	// it).
	QemuReader(const ProcessCore &core, const QemuFacts &facts, uint64_t load_bias)
		: StructReader(core, facts), load_bias_(load_bias)
	{
	}

	// Address of a global variable; error not_qemu when the executable has no such symbol.
	Result<uint64_t> global(std::string_view name) const { return global({name}); }
	// The first of several globals that exists (QEMU renamed some), newest name first; which
	// one matched is recorded in facts().matched().
	Result<uint64_t> global(std::initializer_list<std::string_view> names) const;
	// The first global whose name starts with prefix (compiler-suffixed statics); nullopt when
	// there is none.
	Result<std::optional<uint64_t>> global_with_prefix(std::string_view prefix) const;

private:
	uint64_t load_bias_;
};

} // namespace vmcorefs
