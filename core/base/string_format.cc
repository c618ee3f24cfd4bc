#include "base/string_format.h"

#include <cstdarg>
#include <cstdio>

namespace vmcorefs {

std::string format(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	va_list again;
	va_copy(again, args);
	int n = std::vsnprintf(nullptr, 0, fmt, args);
	va_end(args);
	std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
	if (n > 0)
		std::vsnprintf(out.data(), out.size() + 1, fmt, again);
	va_end(again);
	return out;
}

} // namespace vmcorefs
