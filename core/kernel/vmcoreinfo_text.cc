#include "kernel/vmcoreinfo_text.h"

#include <cerrno>
#include <cstdlib>

namespace vmcorefs {

std::optional<std::string> vmcoreinfo_value(const std::string &text, const std::string &key)
{
	std::string needle = key + "=";
	for (size_t pos = 0; pos < text.size();) {
		size_t eol = text.find('\n', pos);
		if (eol == std::string::npos)
			eol = text.size();
		if (text.compare(pos, needle.size(), needle) == 0)
			return text.substr(pos + needle.size(), eol - pos - needle.size());
		pos = eol + 1;
	}
	return std::nullopt;
}

std::optional<uint64_t> vmcoreinfo_number(const std::string &text, const std::string &key, int base)
{
	auto value = vmcoreinfo_value(text, key);
	if (!value || value->empty())
		return std::nullopt;
	errno = 0;
	char *end;
	uint64_t v = base == 10 ? static_cast<uint64_t>(std::strtoll(value->c_str(), &end, 10))
				: std::strtoull(value->c_str(), &end, base);
	if (errno || *end)
		return std::nullopt;
	return v;
}

std::string vmcoreinfo_lacks(const std::string &key)
{
	return "VMCOREINFO has no " + key;
}

} // namespace vmcorefs
