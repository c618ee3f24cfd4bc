// printf-style formatting into a std::string (C++20 has std::format only from GCC 13).
#pragma once

#include <string>

namespace vmcorefs {

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace vmcorefs
