// What a stripped QEMU executable still tells without its debug info: its build-id, its version
// banner and where the globals it exports lie (.dynsym: QEMU exports its globals for its modules).
// Enough to key a layout profile of another build of the same QEMU to it (facts_source).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"

namespace vmcorefs {

struct ExecutableSymbols {
	std::vector<uint8_t> build_id; // empty when it has none
	std::string qemu_version;      // empty when it has no QEMU banner
	// The defined data objects of .dynsym: name -> st_value, the offset from the load bias.
	std::map<std::string, uint64_t, std::less<>> data;
};

// Errors: those of open_regular_file; corrupt when path is not an ELF file.
Result<ExecutableSymbols> read_executable_symbols(const std::string &path);

} // namespace vmcorefs
