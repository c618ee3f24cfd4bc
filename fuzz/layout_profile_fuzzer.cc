// libFuzzer target for layout profiles (--profile, the profile cache): any bytes as a profile.
// Parsing must never crash or read out of bounds, and what it accepts must keep its promises (a
// failed check is a finding, via __builtin_trap): every field lies inside its struct, and the
// facts written out again read back to the same text.
#include <cstdint>
#include <string_view>

#include "facts/layout_profile.h"

using namespace vmcorefs;

namespace {

void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	auto facts = parse_profile(text, "fuzz.profile");
	if (!facts) {
		check(!facts.error().message.empty());
		return 0;
	}
	for (const auto &[key, s] : facts->structs)
		if (s)
			for (const auto &[names, f] : s->fields)
				check(!f ||
				      (f->offset <= s->size && f->size <= s->size - f->offset));
	std::string again = format_profile(*facts);
	auto reread = parse_profile(again, "fuzz.profile");
	check(reread.ok() && format_profile(*reread) == again);
	return 0;
}
