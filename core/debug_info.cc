#include "debug_info.h"

#include <cerrno>
#include <cstring>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

namespace vmcorefs {
namespace {

constexpr uint64_t at_entry = 9; // AT_ENTRY

// libdwfl's find_debuginfo hook: a file given with --debuginfo wins, otherwise the standard
// search (build-id trees, .gnu_debuglink, debuginfod). The module's userdata is the user's path.
int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		   const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
		   char **debuginfo_file_name)
{
	const auto *user_path = static_cast<const std::string *>(*userdata);
	if (user_path && !user_path->empty()) {
		int fd = ::open(user_path->c_str(), O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			*debuginfo_file_name = strdup(user_path->c_str());
		return fd;
	}
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					    debuglink_file, debuglink_crc, debuginfo_file_name);
}

std::string join_paths(const std::vector<std::string> &dirs)
{
	// libdwfl's syntax: entries separated by ':'; a leading ':' also tries the binary's own
	// directory and its .debug subdirectory, as gdb does.
	std::string out;
	for (const auto &d : dirs)
		out += ":" + d;
	return out;
}

std::string build_id_path(const std::string &dir, const std::vector<uint8_t> &id)
{
	std::string hex = build_id_hex(id);
	if (hex.size() < 3)
		return dir + "/.build-id/";
	return dir + "/.build-id/" + hex.substr(0, 2) + "/" + hex.substr(2) + ".debug";
}

} // namespace

std::string build_id_hex(const std::vector<uint8_t> &id)
{
	static const char digits[] = "0123456789abcdef";
	std::string out;
	for (uint8_t b : id) {
		out += digits[b >> 4];
		out += digits[b & 15];
	}
	return out;
}

std::vector<uint8_t> file_build_id(const std::string &path)
{
	std::vector<uint8_t> id;
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return id;
	elf_version(EV_CURRENT);
	if (Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr)) {
		const void *bits;
		ssize_t n = dwelf_elf_gnu_build_id(elf, &bits);
		if (n > 0)
			id.assign(static_cast<const uint8_t *>(bits),
				  static_cast<const uint8_t *>(bits) + n);
		elf_end(elf);
	}
	::close(fd);
	return id;
}

Result<std::unique_ptr<DebugInfo>> DebugInfo::open(const ProcessCore &core,
						   const LoadOptions &options)
{
	std::unique_ptr<DebugInfo> info(new DebugInfo());
	VMCOREFS_TRY(info->report(core, options));
	VMCOREFS_TRY(info->load_dwarf(core, options));
	info->index_symbols();
	return info;
}

DebugInfo::~DebugInfo()
{
	if (dwfl_)
		dwfl_end(dwfl_);
}

// Checks that a file the user named carries the core's build-id.
static Result<void> check_build_id(const std::string &what, const std::string &path,
				   const std::vector<uint8_t> &core_id)
{
	if (access(path.c_str(), R_OK) != 0)
		return make_io_error(path, "cannot read " + what, errno);
	std::vector<uint8_t> id = file_build_id(path);
	if (!core_id.empty() && id != core_id)
		return make_error(ErrorCode::mismatch, path,
				  what + " has build-id " + (id.empty() ? "(none)" : build_id_hex(id)) +
					  " but the core's QEMU has " + build_id_hex(core_id));
	return {};
}

Result<void> DebugInfo::report(const ProcessCore &core, const LoadOptions &options)
{
	const auto &core_id = core.executable_build_id();
	std::string executable = options.executable;
	if (!executable.empty())
		VMCOREFS_TRY(check_build_id("executable", executable, core_id));
	else if (!core.executable_path().empty() &&
		 file_build_id(core.executable_path()) == core_id)
		executable = core.executable_path();
	if (!options.debuginfo.empty())
		VMCOREFS_TRY(check_build_id("debug info", options.debuginfo, core_id));
	user_debuginfo_ = options.debuginfo;

	debuginfo_path_ = join_paths(options.debug_dirs);
	debuginfo_path_c_ = debuginfo_path_.data();
	callbacks_.find_elf = dwfl_build_id_find_elf;
	callbacks_.find_debuginfo = find_debuginfo;
	callbacks_.debuginfo_path = &debuginfo_path_c_;
	dwfl_ = dwfl_begin(&callbacks_);
	if (!dwfl_)
		return make_error(ErrorCode::io, core.path(),
				  std::string("libdwfl: ") + dwfl_errmsg(-1));
	dwfl_report_begin(dwfl_);
	int n = dwfl_core_file_report(dwfl_, core.elf(), executable.empty() ? nullptr
									    : executable.c_str());
	dwfl_report_end(dwfl_, nullptr, nullptr);
	if (n < 0)
		return make_error(ErrorCode::corrupt, core.path(),
				  std::string("libdwfl cannot read the core: ") + dwfl_errmsg(-1));
	auto entry = core.auxv(at_entry);
	module_ = entry ? dwfl_addrmodule(dwfl_, *entry) : nullptr;
	if (!module_)
		return make_error(ErrorCode::corrupt, core.path(),
				  "the core does not say where its executable is (no AT_ENTRY module)");
	void **userdata = nullptr;
	dwfl_module_info(module_, &userdata, nullptr, nullptr, nullptr, nullptr, nullptr,
			 nullptr);
	*userdata = &user_debuginfo_;
	return {};
}

Result<void> DebugInfo::load_dwarf(const ProcessCore &core, const LoadOptions &options)
{
	std::string id = build_id_hex(core.executable_build_id());
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(module_, &bias);
	if (!elf)
		return make_error(ErrorCode::no_debug_info, core.path(),
				  "cannot find QEMU's executable (build-id " + id + ", core says " +
					  core.executable_path() +
					  "); give it with --executable or set DEBUGINFOD_URLS");
	Dwarf_Addr dwbias = 0;
	dwarf_ = dwfl_module_getdwarf(module_, &dwbias);
	if (!dwarf_) {
		std::string looked;
		for (const auto &dir : options.debug_dirs)
			looked += ", " + build_id_path(dir, core.executable_build_id());
		const char *urls = getenv("DEBUGINFOD_URLS");
		return make_error(ErrorCode::no_debug_info, core.path(),
				  "no debug info for QEMU (build-id " + id + "): looked in " +
					  (core.executable_path().empty() ? "the executable"
									  : core.executable_path()) +
					  looked + ", .gnu_debuglink" +
					  (urls && *urls ? std::string(", debuginfod ") + urls
							 : std::string("; DEBUGINFOD_URLS is not set")) +
					  "; give it with --debuginfo");
	}
	dwarf_bias_ = dwbias;
	const char *main_file = nullptr, *debug_file = nullptr;
	dwfl_module_info(module_, nullptr, nullptr, nullptr, nullptr, nullptr, &main_file,
			 &debug_file);
	details_.push_back(std::string("executable: ") + (main_file ? main_file : "?") +
			   " (build-id " + id + ")");
	details_.push_back(std::string("debug info: ") +
			   (debug_file ? debug_file : main_file ? main_file : "?"));
	return {};
}

void DebugInfo::index_symbols()
{
	int n = dwfl_module_getsymtab(module_);
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(module_, i, &sym, &addr, nullptr,
							   nullptr, nullptr);
		if (!name || !*name || sym.st_shndx == SHN_UNDEF)
			continue;
		int type = GELF_ST_TYPE(sym.st_info);
		if (type == STT_OBJECT || type == STT_FUNC || type == STT_TLS)
			symbols_.emplace(name, addr);
	}
}

std::optional<uint64_t> DebugInfo::symbol(std::string_view name) const
{
	auto it = symbols_.find(name);
	if (it == symbols_.end())
		return std::nullopt;
	return it->second;
}

std::optional<uint64_t> DebugInfo::symbol_with_prefix(std::string_view prefix) const
{
	for (const auto &[name, addr] : symbols_)
		if (name.starts_with(prefix))
			return addr;
	return std::nullopt;
}

Elf *DebugInfo::executable_elf() const
{
	GElf_Addr bias;
	return dwfl_module_getelf(module_, &bias);
}

uint64_t DebugInfo::executable_bias() const
{
	GElf_Addr bias = 0;
	dwfl_module_getelf(module_, &bias);
	return bias;
}

} // namespace vmcorefs
