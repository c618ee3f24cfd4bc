// DebugInfo: QEMU's executable and DWARF for a process core, found through libdwfl the way gdb,
// eu-stack and systemd-coredump find them: the executable named by the core (or --executable),
// the build-id trees under the debug directories, .gnu_debuglink, dwz alt files
// (.gnu_debugaltlink, as in Debian's dbgsym packages, also below a debug directory that holds an
// unpacked dbgsym package), a file given with --debuginfo, and debuginfod when DEBUGINFOD_URLS is
// set. Whatever is found must carry the core's build-id (the alt file: the one its user names): a
// mismatch is an error naming both ids, never a guess.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/error.h"
#include "source/load_options.h"
#include "source/process_core.h"

#include <elfutils/libdwfl.h>

namespace vmcorefs {

// What DebugInfo's find_debuginfo hook for QEMU's module works with. libdwfl asks the hook for
// the executable's debug info (unless the executable carries DWARF itself) and then for the dwz
// alt file (.gnu_debugaltlink) that the DWARF names.
struct DebugSearch {
	std::string user_debuginfo;    // --debuginfo: the answer to the first question
	std::vector<std::string> dirs; // --debug-file-directory
	std::string alt_file;          // where the hook found the alt file
};

class DebugInfo {
public:
	static Result<std::unique_ptr<DebugInfo>> open(const ProcessCore &core,
						       const LoadOptions &options);
	// QEMU's executable options.executable and its DWARF, without a core (--write-profile
	// --executable=PATH): loaded at 0, so that a symbol's address is its offset from the load
	// bias. Errors: as open's, naming the executable.
	static Result<std::unique_ptr<DebugInfo>> open_executable(const LoadOptions &options);
	~DebugInfo();
	DebugInfo(const DebugInfo &) = delete;
	DebugInfo &operator=(const DebugInfo &) = delete;

	Dwarf *dwarf() const { return dwarf_; }
	// The executable's ELF image (for .rodata strings).
	Elf *executable_elf() const;
	Dwfl_Module *module() const { return module_; }

	// Address in the core of a global or file-static symbol of the executable's symbol table.
	std::optional<uint64_t> symbol(std::string_view name) const;
	// The name and address of the symbol whose name starts with prefix (compiler-suffixed
	// statics such as "vmcoreinfo_state.0"); of several, the first in byte order.
	std::optional<std::pair<std::string, uint64_t>>
	symbol_with_prefix(std::string_view prefix) const;
	// Where the executable is loaded in the core (0 from open_executable): what its symbols'
	// addresses are offset by.
	uint64_t load_bias() const;
	// The build-id of the executable whose DWARF this is.
	const std::vector<uint8_t> &build_id() const { return build_id_; }

	// Where things came from, for `--info -v`.
	const std::vector<std::string> &details() const { return details_; }

private:
	DebugInfo() = default;
	// What the DWARF is looked up for: the file errors name, the build-id, and where the
	// executable was said to be ("core says PATH").
	struct Subject {
		std::string file;
		std::vector<uint8_t> build_id;
		std::string executable;
	};
	Result<void> begin(const LoadOptions &options, const std::string &file);
	void search_module();
	Result<void> report(const ProcessCore &core, const LoadOptions &options);
	Result<void> report_executable(const ProcessCore &core, const std::string &executable);
	Result<void> load_dwarf(const Subject &subject);
	void index_symbols();

	Result<void> check_alt(const Subject &subject, const char *debug_file);
	std::string no_debug_info_places(const std::vector<uint8_t> &id) const;

	// libdwfl keeps pointers to these for the life of the Dwfl.
	Dwfl_Callbacks callbacks_{};
	char *debuginfo_path_c_ = nullptr;
	DebugSearch search_;
	Dwfl *dwfl_ = nullptr;
	Dwfl_Module *module_ = nullptr;
	Dwarf *dwarf_ = nullptr;
	std::string debuginfo_path_; // the colon-separated list libdwfl searches
	std::unordered_map<std::string_view, uint64_t> symbols_;
	std::vector<uint8_t> build_id_;
	std::vector<std::string> details_;
};

// The build-id of an ELF file on disk, empty when it has none (or is no ELF file). Errors: those
// of open_regular_file, so that a file that cannot be opened now (EMFILE, say) is not taken for
// another build.
Result<std::vector<uint8_t>> file_build_id(const std::string &path);
// The GNU build-id of an open ELF, empty when it has none.
std::vector<uint8_t> elf_build_id(Elf *elf);
std::string build_id_hex(const std::vector<uint8_t> &id);

} // namespace vmcorefs
