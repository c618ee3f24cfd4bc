#include "facts/debug_info.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include "base/regular_file.h"
#include "facts/qemu_banner.h"

namespace vmcorefs {
namespace {

constexpr uint64_t at_entry = 9; // AT_ENTRY
// Where distributions install debug info, and the prefix of the absolute alt file names
// (.gnu_debugaltlink) in their dbgsym packages.
constexpr std::string_view default_debug_dir = "/usr/lib/debug";

std::string build_id_path(const std::string &dir, const std::vector<uint8_t> &id)
{
	std::string hex = build_id_hex(id);
	if (hex.size() < 3)
		return dir + "/.build-id/";
	return dir + "/.build-id/" + hex.substr(0, 2) + "/" + hex.substr(2) + ".debug";
}

std::string dir_name(const std::string &path)
{
	auto slash = path.rfind('/');
	return slash == path.npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string &path)
{
	auto slash = path.rfind('/');
	return slash == path.npos ? path : path.substr(slash + 1);
}

// libdwfl's callbacks return a descriptor and, when they know it, its file name. debuginfod's
// answers come without one; the name of its cache file is what `--info -v` should show.
int name_descriptor(int fd, char **file_name)
{
	if (fd < 0 || *file_name)
		return fd;
	char buf[4096];
	std::string link = "/proc/self/fd/" + std::to_string(fd);
	ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		*file_name = strdup(buf);
	}
	return fd;
}

// A .gnu_debugaltlink: the dwz alt file's name and build-id.
struct AltLink {
	std::string name;
	std::vector<uint8_t> id;
};

// The .gnu_debugaltlink section of an ELF file (name, NUL, build-id); empty when it has none.
// Read with libelf only: opening the DWARF would decompress compressed debug sections.
AltLink read_alt_link(const char *path)
{
	AltLink link;
	if (!path)
		return link;
	auto fd = open_regular_file(path);
	if (!fd)
		return link;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd->get(), ELF_C_READ_MMAP, nullptr);
	size_t names;
	if (elf && elf_getshdrstrndx(elf, &names) == 0) {
		for (Elf_Scn *scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
			GElf_Shdr shdr;
			const char *name = gelf_getshdr(scn, &shdr)
						   ? elf_strptr(elf, names, shdr.sh_name)
						   : nullptr;
			if (!name || strcmp(name, ".gnu_debugaltlink") != 0 ||
			    shdr.sh_type == SHT_NOBITS)
				continue;
			Elf_Data *data = elf_getdata(scn, nullptr);
			auto *begin = data ? static_cast<const uint8_t *>(data->d_buf) : nullptr;
			auto *end = begin ? begin + data->d_size : nullptr;
			auto *nul = begin ? std::find(begin, end, 0) : nullptr;
			if (nul && nul != end) {
				link.name.assign(begin, nul);
				link.id.assign(nul + 1, end);
			}
			break;
		}
	}
	if (elf)
		elf_end(elf);
	return link;
}

// The alt file of a dbgsym package unpacked below a debug directory (dpkg -x, then
// --debug-file-directory=ROOT/usr/lib/debug): the link names it by its installed path,
// /usr/lib/debug/.dwz/<multiarch>/<package>.debug, which libdwfl only looks for as
// DIR/.dwz/<package>.debug. Accepted only with the build-id the link asks for.
int find_alt_below_dirs(const AltLink &link, const DebugSearch &search, char **file_name)
{
	std::string_view name = link.name;
	if (!name.starts_with(default_debug_dir) || name.size() <= default_debug_dir.size() ||
	    name[default_debug_dir.size()] != '/')
		return -1;
	for (const auto &dir : search.dirs) {
		std::string path = dir + std::string(name.substr(default_debug_dir.size()));
		auto id = file_build_id(path);
		if (!id || *id != link.id)
			continue;
		if (auto fd = open_regular_file(path)) {
			*file_name = strdup(path.c_str());
			return fd->release();
		}
	}
	return -1;
}

// libdwfl's find_debuginfo hook. libdwfl asks it for two things: the executable's debug info
// (file_name: the executable, debuglink_file: its .gnu_debuglink, if any), and once it has DWARF,
// for the dwz alt file that DWARF names (file_name: the file with the DWARF, debuglink_file: the
// alt file's name from its .gnu_debugaltlink, CRC 0). For QEMU's module (userdata: the
// DebugSearch) --debuginfo answers the first question; the standard search (build-id trees,
// .gnu_debuglink, debuginfod) answers both otherwise, and the alt file is also looked for in the
// layout of an unpacked dbgsym package.
int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		   const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
		   char **debuginfo_file_name)
{
	auto *search = static_cast<DebugSearch *>(*userdata);
	AltLink alt;
	if (search && debuglink_file && debuglink_crc == 0)
		alt = read_alt_link(file_name);
	bool for_alt = !alt.name.empty() && alt.name == debuglink_file;
	if (search && !for_alt && !search->user_debuginfo.empty()) {
		auto fd = open_regular_file(search->user_debuginfo);
		if (!fd)
			return -1;
		*debuginfo_file_name = strdup(search->user_debuginfo.c_str());
		return fd->release();
	}
	int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					      debuglink_file, debuglink_crc, debuginfo_file_name);
	if (fd < 0 && for_alt)
		fd = find_alt_below_dirs(alt, *search, debuginfo_file_name);
	fd = name_descriptor(fd, debuginfo_file_name);
	if (fd >= 0 && for_alt && *debuginfo_file_name)
		search->alt_file = *debuginfo_file_name;
	return fd;
}

std::string join_paths(const std::vector<std::string> &dirs)
{
	// libdwfl's syntax: entries separated by ':'. The empty entry is the binary's own directory
	// and ".debug" its .debug subdirectory, where gdb looks for .gnu_debuglink files as well.
	std::string out = ":.debug";
	for (const auto &d : dirs)
		out += ":" + d;
	return out;
}

std::string debuginfod_state()
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	return urls && *urls ? std::string("debuginfod ") + urls : "DEBUGINFOD_URLS is not set";
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

Result<std::vector<uint8_t>> file_build_id(const std::string &path)
{
	std::vector<uint8_t> id;
	auto fd = open_regular_file(path);
	if (!fd)
		return fd.take_error();
	elf_version(EV_CURRENT);
	if (Elf *elf = elf_begin(fd->get(), ELF_C_READ_MMAP, nullptr)) {
		id = elf_build_id(elf);
		elf_end(elf);
	}
	return id;
}

std::vector<uint8_t> elf_build_id(Elf *elf)
{
	const void *bits;
	ssize_t n = dwelf_elf_gnu_build_id(elf, &bits);
	if (n <= 0)
		return {};
	return {static_cast<const uint8_t *>(bits), static_cast<const uint8_t *>(bits) + n};
}

Result<std::unique_ptr<DebugInfo>> DebugInfo::open(const ProcessCore &core,
						   const LoadOptions &options)
{
	std::unique_ptr<DebugInfo> info(new DebugInfo());
	VMCOREFS_TRY(info->report(core, options));
	VMCOREFS_TRY(info->load_dwarf(
		{core.path(), core.executable_build_id(), "core says " + core.executable_path()}));
	info->index_symbols();
	return info;
}

DebugInfo::~DebugInfo()
{
	if (dwfl_)
		dwfl_end(dwfl_);
}

// Checks that a file the user named carries the build-id of the core's QEMU (or, whose: of
// another file the user named).
static Result<void> check_build_id(const std::string &what, const std::string &path,
				   const std::vector<uint8_t> &core_id,
				   const std::string &whose = "the core's QEMU")
{
	auto id = file_build_id(path);
	if (!id) {
		Error e = id.take_error();
		if (e.code == ErrorCode::io)
			return make_io_error(path, "cannot read " + what, e.errno_value);
		return e;
	}
	if (!core_id.empty() && *id != core_id)
		return make_error(ErrorCode::mismatch, path,
				  what + " has build-id " +
					  (id->empty() ? "(none)" : build_id_hex(*id)) + " but " +
					  whose + " has " + build_id_hex(core_id));
	return {};
}

Result<std::unique_ptr<DebugInfo>> DebugInfo::open_executable(const LoadOptions &options)
{
	const std::string &path = options.executable;
	auto id = file_build_id(path);
	if (!id) {
		Error e = id.take_error();
		return e.code == ErrorCode::io
			       ? make_io_error(path, "cannot read executable", e.errno_value)
			       : e;
	}
	std::unique_ptr<DebugInfo> info(new DebugInfo());
	if (!options.debuginfo.empty())
		VMCOREFS_TRY(check_build_id("debug info", options.debuginfo, *id, path));
	VMCOREFS_TRY(info->begin(options, path));
	dwfl_report_begin(info->dwfl_);
	info->module_ =
		dwfl_report_elf(info->dwfl_, base_name(path).c_str(), path.c_str(), -1, 0, false);
	dwfl_report_end(info->dwfl_, nullptr, nullptr);
	if (!info->module_)
		return make_error(ErrorCode::io, path,
				  std::string("libdwfl cannot read it: ") + dwfl_errmsg(-1));
	info->search_module();
	VMCOREFS_TRY(info->load_dwarf({path, *id, "given with --executable"}));
	info->index_symbols();
	return info;
}

// libdwfl, searching as the options say; errors name file.
Result<void> DebugInfo::begin(const LoadOptions &options, const std::string &file)
{
	search_.user_debuginfo = options.debuginfo;
	search_.dirs = options.debug_dirs;
	debuginfo_path_ = join_paths(options.debug_dirs);
	debuginfo_path_c_ = debuginfo_path_.data();
	callbacks_.find_elf = dwfl_build_id_find_elf;
	callbacks_.find_debuginfo = find_debuginfo;
	callbacks_.debuginfo_path = &debuginfo_path_c_;
	dwfl_ = dwfl_begin(&callbacks_);
	if (!dwfl_)
		return make_error(ErrorCode::io, file, std::string("libdwfl: ") + dwfl_errmsg(-1));
	return {};
}

// QEMU's module asks find_debuginfo with the search it is to make.
void DebugInfo::search_module()
{
	void **userdata = nullptr;
	dwfl_module_info(module_, &userdata, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
	*userdata = &search_;
}

Result<void> DebugInfo::report(const ProcessCore &core, const LoadOptions &options)
{
	const auto &core_id = core.executable_build_id();
	std::string executable = options.executable;
	if (!executable.empty())
		VMCOREFS_TRY(check_build_id("executable", executable, core_id));
	else if (auto id = file_build_id(core.executable_file()); id && *id == core_id)
		executable = core.executable_file();
	if (!options.debuginfo.empty())
		VMCOREFS_TRY(check_build_id("debug info", options.debuginfo, core_id));
	VMCOREFS_TRY(begin(options, core.path()));
	dwfl_report_begin(dwfl_);
	VMCOREFS_TRY(report_executable(core, executable));
	dwfl_report_end(dwfl_, nullptr, nullptr);
	auto entry = core.auxv(at_entry);
	module_ = entry ? dwfl_addrmodule(dwfl_, *entry) : nullptr;
	if (!module_)
		return make_error(
			ErrorCode::corrupt, core.path(),
			"the core does not say where its executable is (no AT_ENTRY module)");
	search_module();
	return {};
}

// Tells libdwfl where QEMU's executable is loaded. A core says it all (link map, NT_FILE, the
// build-id in memory); a live process's executable is the file behind /proc/PID/exe, at the load
// bias its auxiliary vector gives.
Result<void> DebugInfo::report_executable(const ProcessCore &core, const std::string &executable)
{
	if (core.elf()) {
		if (dwfl_core_file_report(dwfl_, core.elf(),
					  executable.empty() ? nullptr : executable.c_str()) < 0)
			return make_error(ErrorCode::corrupt, core.path(),
					  std::string("libdwfl cannot read the core: ") +
						  dwfl_errmsg(-1));
		return {};
	}
	if (executable.empty() || !core.load_bias())
		return make_error(ErrorCode::not_qemu, core.path(),
				  "cannot find the executable of the process (" +
					  core.executable_file() + ")");
	if (!dwfl_report_elf(dwfl_, base_name(core.executable_path()).c_str(), executable.c_str(),
			     -1, *core.load_bias(), false))
		return make_error(ErrorCode::io, core.path(),
				  "libdwfl cannot read " + executable + ": " + dwfl_errmsg(-1));
	return {};
}

// Where the standard search looked for the executable's debug info, for the error that says it
// found none: the binary itself, the build-id trees, the .gnu_debuglink name beside the binary,
// in its .debug subdirectory and below each debug directory, and debuginfod.
std::string DebugInfo::no_debug_info_places(const std::vector<uint8_t> &id) const
{
	const char *main_file = nullptr;
	dwfl_module_info(module_, nullptr, nullptr, nullptr, nullptr, nullptr, &main_file, nullptr);
	std::string exe = main_file ? main_file : "the executable";
	std::string out = exe;
	for (const auto &dir : search_.dirs)
		out += ", " + build_id_path(dir, id);
	GElf_Addr bias;
	GElf_Word crc;
	Elf *elf = dwfl_module_getelf(module_, &bias);
	const char *link = elf ? dwelf_elf_gnu_debuglink(elf, &crc) : nullptr;
	if (link && main_file) {
		std::string dir = dir_name(exe);
		out += ", " + dir + "/" + link + ", " + dir + "/.debug/" + link;
		for (const auto &d : search_.dirs)
			out += ", " + d + dir + "/" + link;
	}
	return out + ", " + debuginfod_state();
}

// A dwz-compressed debug file (.gnu_debugaltlink) is half a debug file: its types and names are
// in the alt file it names. Missing, or with another build-id, it is an error here, not an
// unexplained missing struct later.
Result<void> DebugInfo::check_alt(const Subject &subject, const char *debug_file)
{
	const char *alt_name;
	const void *bits;
	ssize_t n = dwelf_dwarf_gnu_debugaltlink(dwarf_, &alt_name, &bits);
	if (n <= 0)
		return {};
	std::vector<uint8_t> want(static_cast<const uint8_t *>(bits),
				  static_cast<const uint8_t *>(bits) + n);
	std::string what = std::string("debug info ") + (debug_file ? debug_file : "") +
			   " needs its dwz alt file " + alt_name + " (build-id " +
			   build_id_hex(want) + ")";
	Dwarf *alt = dwarf_getalt(dwarf_);
	if (!alt) {
		std::string looked;
		std::string base = base_name(alt_name);
		for (const auto &dir : search_.dirs) {
			looked += ", " + build_id_path(dir, want) + ", " + dir + "/.dwz/" + base;
			if (std::string_view(alt_name).starts_with(default_debug_dir))
				looked += ", " + dir + (alt_name + default_debug_dir.size());
		}
		return make_error(ErrorCode::no_debug_info, subject.file,
				  what + ": not found in " + alt_name + looked + ", " +
					  debuginfod_state() +
					  "; give its directory with --debug-file-directory");
	}
	const void *got_bits = nullptr;
	Elf *alt_elf = dwarf_getelf(alt);
	ssize_t got_len = alt_elf ? dwelf_elf_gnu_build_id(alt_elf, &got_bits) : -1;
	std::vector<uint8_t> got;
	if (got_len > 0)
		got.assign(static_cast<const uint8_t *>(got_bits),
			   static_cast<const uint8_t *>(got_bits) + got_len);
	std::string where =
		search_.alt_file.empty() ? std::string("(opened by libdw)") : search_.alt_file;
	if (got != want)
		return make_error(ErrorCode::mismatch, where,
				  what + " but this alt file has build-id " +
					  (got.empty() ? "(none)" : build_id_hex(got)));
	details_.push_back("debug alt file: " + where + " (build-id " + build_id_hex(want) + ")");
	return {};
}

Result<void> DebugInfo::load_dwarf(const Subject &subject)
{
	build_id_ = subject.build_id;
	std::string id = build_id_hex(subject.build_id);
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(module_, &bias);
	if (!elf)
		return make_error(ErrorCode::no_debug_info, subject.file,
				  "cannot find QEMU's executable (build-id " + id + ", " +
					  subject.executable +
					  "); give it with --executable or set "
					  "DEBUGINFOD_URLS");
	Dwarf_Addr dwbias = 0;
	dwarf_ = dwfl_module_getdwarf(module_, &dwbias);
	if (!dwarf_) {
		// The version tells a user which dbgsym package or profile to look for; the
		// executable is the build's own (dwfl checked its build-id), stripped or not.
		std::string version = qemu_version_of(elf);
		if (!version.empty())
			version += ", ";
		return make_error(
			ErrorCode::no_debug_info, subject.file,
			"no debug info for QEMU " + version + "build-id " + id + ": looked in " +
				no_debug_info_places(subject.build_id) +
				"; install its debug info, give the file with --debuginfo, set "
				"DEBUGINFOD_URLS or give a layout profile with --profile");
	}
	const char *main_file = nullptr, *debug_file = nullptr;
	dwfl_module_info(module_, nullptr, nullptr, nullptr, nullptr, nullptr, &main_file,
			 &debug_file);
	details_.push_back(std::string("executable: ") + (main_file ? main_file : "?") +
			   " (build-id " + id + ")");
	std::string note;
	if (!debug_file && !search_.user_debuginfo.empty())
		note = " (it carries DWARF itself; --debuginfo " + search_.user_debuginfo +
		       " was not needed)";
	details_.push_back(std::string("debug info: ") +
			   (debug_file  ? debug_file
			    : main_file ? main_file
					: "?") +
			   note);
	return check_alt(subject, debug_file ? debug_file : main_file);
}

void DebugInfo::index_symbols()
{
	int n = dwfl_module_getsymtab(module_);
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name =
			dwfl_module_getsym_info(module_, i, &sym, &addr, nullptr, nullptr, nullptr);
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

std::optional<std::pair<std::string, uint64_t>>
DebugInfo::symbol_with_prefix(std::string_view prefix) const
{
	std::optional<std::pair<std::string, uint64_t>> first;
	for (const auto &[name, addr] : symbols_)
		if (name.starts_with(prefix) && (!first || name < first->first))
			first.emplace(name, addr);
	return first;
}

uint64_t DebugInfo::load_bias() const
{
	GElf_Addr bias = 0;
	dwfl_module_getelf(module_, &bias);
	return bias;
}

Elf *DebugInfo::executable_elf() const
{
	GElf_Addr bias;
	return dwfl_module_getelf(module_, &bias);
}

} // namespace vmcorefs
