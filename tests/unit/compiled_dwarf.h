// The DWARF of a tiny C program compiled with -g, for unit tests of the type layer: structures
// shaped like QEMU's, at offsets the compiler chooses, never ones a test hard-codes.
#pragma once

#include <elfutils/libdw.h>
#include <string>

#include "core_builder.h"

namespace vmcorefs::test {

class CompiledDwarf {
public:
	// Compiles `source` with the C compiler CMake found; error() says why when that failed.
	explicit CompiledDwarf(const std::string &source);
	~CompiledDwarf();
	CompiledDwarf(const CompiledDwarf &) = delete;
	CompiledDwarf &operator=(const CompiledDwarf &) = delete;

	Dwarf *dwarf() const { return dwarf_; }
	const std::string &error() const { return error_; }

private:
	TempDir dir_;
	int fd_ = -1;
	Dwarf *dwarf_ = nullptr;
	std::string error_;
};

} // namespace vmcorefs::test
