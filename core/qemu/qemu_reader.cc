#include "qemu/qemu_reader.h"

#include <cstring>

#include "base/byte_order.h"

namespace vmcorefs {

Error StructReader::fault(const Error &inner, std::string_view what) const
{
	std::string where = inner.at ? " at " + hex(*inner.at) : "";
	return make_error(ErrorCode::bad_structure, core_.path(),
			  "cannot read " + std::string(what) + where + ": " + inner.message,
			  inner.at);
}

Result<uint64_t> QemuReader::global(std::initializer_list<std::string_view> names) const
{
	auto symbol = facts().global(names);
	if (!symbol) {
		Error e = symbol.take_error();
		e.file = core().path();
		return e;
	}
	return load_bias_ + symbol->offset;
}

Result<std::optional<uint64_t>> QemuReader::global_with_prefix(std::string_view prefix) const
{
	auto symbol = facts().global_with_prefix(prefix);
	if (!symbol)
		return symbol.take_error();
	if (!*symbol)
		return std::optional<uint64_t>();
	return std::optional<uint64_t>(load_bias_ + (*symbol)->offset);
}

Result<void> StructReader::read_bytes(uint64_t address, void *dst, size_t length,
				      std::string_view what) const
{
	auto r = core_.read(address, dst, length);
	if (!r)
		return fault(r.error(), what);
	return {};
}

Result<uint64_t> StructReader::read_uint(uint64_t base, const Field &f) const
{
	std::byte buf[8] = {};
	if (f.size == 0 || f.size > 8 || (f.size & (f.size - 1)))
		return make_error(ErrorCode::bad_structure, core_.path(),
				  "field " + f.path + " has size " + std::to_string(f.size) +
					  ", not an integer or pointer");
	VMCOREFS_TRY(read_bytes(base + f.offset, buf, f.size, f.path));
	switch (f.size) {
	case 1: return load_le<uint8_t>(buf);
	case 2: return load_le<uint16_t>(buf);
	case 4: return load_le<uint32_t>(buf);
	default: return load_le<uint64_t>(buf);
	}
}

Result<void> StructReader::read_uint_array(uint64_t base, const Field &array, uint64_t *out,
					   size_t count) const
{
	uint64_t stride = array.stride;
	if (stride == 0 || stride > 8 || array.size < count * stride)
		return make_error(ErrorCode::bad_structure, core_.path(),
				  "field " + array.path + " is not an array of " +
					  std::to_string(count) + " integers");
	Field element{array.offset, stride, {}, array.path};
	for (size_t i = 0; i < count; i++, element.offset += stride) {
		auto v = read_uint(base, element);
		if (!v)
			return v.take_error();
		out[i] = *v;
	}
	return {};
}

Result<uint64_t> StructReader::read_int128(uint64_t base, const Field &f) const
{
	std::byte buf[16];
	if (f.size != 16)
		return make_error(ErrorCode::bad_structure, core_.path(),
				  "field " + f.path + " has size " + std::to_string(f.size) +
					  ", not an Int128");
	VMCOREFS_TRY(read_bytes(base + f.offset, buf, sizeof buf, f.path));
	// Both representations of Int128 (__int128 and {lo, hi}) keep the low half first on a
	// little-endian host.
	if (load_le<uint64_t>(buf + 8) != 0)
		return make_error(ErrorCode::bad_structure, core_.path(),
				  f.path + " at " + hex(base + f.offset) +
					  " does not fit in 64 bits",
				  base + f.offset);
	return load_le<uint64_t>(buf);
}

Result<bool> StructReader::read_bool(uint64_t base, const Field &f) const
{
	auto v = read_uint(base, f);
	if (!v)
		return v.take_error();
	return *v != 0;
}

Result<std::string> StructReader::read_char_array(uint64_t base, const Field &f) const
{
	std::string s(f.size, '\0');
	VMCOREFS_TRY(read_bytes(base + f.offset, s.data(), s.size(), f.path));
	s.resize(strnlen(s.data(), s.size()));
	return s;
}

Result<std::string> StructReader::read_string_pointer(uint64_t base, const Field &f,
						      size_t max_length) const
{
	auto pointer = read_uint(base, f);
	if (!pointer)
		return pointer.take_error();
	if (*pointer == 0)
		return std::string();
	auto s = core_.read_string(*pointer, max_length);
	if (!s)
		return fault(s.error(), f.path);
	return s;
}

} // namespace vmcorefs
