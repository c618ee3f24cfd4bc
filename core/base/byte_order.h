// Loads of little-endian integers from unaligned bytes of a mapped file. Structures in a core are
// never dereferenced in place: the mapping may be unaligned for the type and the host may differ
// in byte order, so every field goes through memcpy (which compilers turn into one load).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace vmcorefs {

// std::byteswap is C++23.
template <typename T> T byte_swap(T v)
{
	if constexpr (sizeof(T) == 2)
		return static_cast<T>(__builtin_bswap16(static_cast<uint16_t>(v)));
	else if constexpr (sizeof(T) == 4)
		return static_cast<T>(__builtin_bswap32(static_cast<uint32_t>(v)));
	else if constexpr (sizeof(T) == 8)
		return static_cast<T>(__builtin_bswap64(static_cast<uint64_t>(v)));
	else
		return v;
}

template <typename T> T load_le(const std::byte *p)
{
	static_assert(std::is_integral_v<T>);
	T v;
	std::memcpy(&v, p, sizeof v);
	if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1)
		v = byte_swap(v);
	return v;
}

template <typename T> void store_le(std::byte *p, T v)
{
	static_assert(std::is_integral_v<T>);
	if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1)
		v = byte_swap(v);
	std::memcpy(p, &v, sizeof v);
}

// a + b, or false when it overflows.
inline bool add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

} // namespace vmcorefs
