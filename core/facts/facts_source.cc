#include "facts/facts_source.h"

#include <algorithm>
#include <dirent.h>
#include <unistd.h>

#include "facts/dwarf_facts.h"
#include "facts/executable_symbols.h"
#include "facts/layout_profile.h"
#include "facts/profile_cache.h"

namespace vmcorefs {
namespace {

// A profile's globals are offsets from the load bias, which only the core's auxiliary vector
// gives when there is no debug info to find the executable with.
Result<uint64_t> load_bias(const ProcessCore &core)
{
	if (auto bias = core.load_bias())
		return *bias;
	return make_error(ErrorCode::not_qemu, core.path(),
			  "cannot tell where QEMU's executable is loaded (no AT_PHDR in the "
			  "auxiliary vector); a layout profile needs it");
}

Result<FoundFacts> from_profile(const ProcessCore &core, const std::string &path,
				const std::string &detail)
{
	auto facts = read_profile(path);
	if (!facts)
		return facts.take_error();
	const auto &id = core.executable_build_id();
	if (facts->build_id != id)
		return make_error(ErrorCode::mismatch, path,
				  "describes QEMU build-id " + build_id_hex(facts->build_id) +
					  ", but " + core.path() + " is of build-id " +
					  (id.empty() ? "(none recorded)" : build_id_hex(id)));
	auto bias = load_bias(core);
	if (!bias)
		return bias.take_error();
	return FoundFacts{std::move(*facts), *bias, nullptr, {detail + path}};
}

// "7.2" of "7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)": stable releases of one QEMU keep its
// layouts, and the layout checks catch a release that did not.
std::string_view major_minor(std::string_view version)
{
	size_t first = version.find('.');
	if (first == version.npos)
		return version;
	return version.substr(0, version.find_first_not_of("0123456789", first + 1));
}

// A profile of another build, keyed to the executable exe of the core's build.
std::optional<FoundFacts> keyed(QemuFacts facts, const std::string &path, const ProcessCore &core,
				const ExecutableSymbols &exe)
{
	for (auto &[names, symbol] : facts.globals)
		if (symbol) {
			auto it = exe.data.find(symbol->name);
			if (it == exe.data.end())
				return std::nullopt;
			symbol->offset = it->second;
		}
	for (auto &[names, symbol] : facts.global_prefixes)
		symbol.reset();
	std::string from = build_id_hex(facts.build_id);
	facts.borrowed_from = path + " (build-id " + from + ")";
	facts.build_id = exe.build_id;
	facts.qemu_version = exe.qemu_version;
	return FoundFacts{std::move(facts),
			  *core.load_bias(),
			  nullptr,
			  {"layout: profile " + path + " of build-id " + from +
			   ", another build of QEMU " + exe.qemu_version +
			   "; its globals are where the executable's dynamic symbols say"}};
}

} // namespace

Result<FoundFacts> find_facts(const ProcessCore &core, const LoadOptions &options)
{
	if (!options.profile.empty())
		return from_profile(core, options.profile, "layout: profile ");
	const auto &id = core.executable_build_id();
	std::vector<std::string> details;
	if (!options.profile_cache.empty() && !id.empty() && core.load_bias()) {
		std::string why;
		if (auto facts = cached_profile(options.profile_cache, id, &why))
			return FoundFacts{std::move(*facts),
					  *core.load_bias(),
					  nullptr,
					  {"layout: cached profile " +
					   profile_path(options.profile_cache, id)}};
		if (!why.empty())
			details.push_back("layout: cached profile passed over: " + why);
	}
	// Debug info the user names wins over a shipped profile: it is the build's own record.
	if (!options.shipped_profiles.empty() && options.debuginfo.empty() && !id.empty() &&
	    core.load_bias()) {
		std::string path = profile_path(options.shipped_profiles, id);
		if (access(path.c_str(), F_OK) == 0)
			return from_profile(core, path, "layout: profile shipped with vmcorefs ");
	}
	auto debug = DebugInfo::open(core, options);
	if (!debug)
		return debug.take_error();
	FoundFacts found{facts_from_debug_info(**debug), (*debug)->load_bias(), std::move(*debug),
			 std::move(details)};
	found.details.insert(found.details.end(), found.debug->details().begin(),
			     found.debug->details().end());
	found.details.push_back("layout: QEMU's debug info");
	return found;
}

std::vector<FoundFacts> borrowed_facts(const ProcessCore &core, const LoadOptions &options)
{
	const auto &id = core.executable_build_id();
	if (options.shipped_profiles.empty() || id.empty() || !core.load_bias())
		return {};
	auto exe = read_executable_symbols(options.executable.empty() ? core.executable_file()
								      : options.executable);
	if (!exe || exe->build_id != id || exe->qemu_version.empty())
		return {};
	std::vector<std::string> paths;
	if (DIR *dir = opendir(options.shipped_profiles.c_str())) {
		while (const dirent *entry = readdir(dir))
			if (std::string_view(entry->d_name).ends_with(".profile"))
				paths.push_back(options.shipped_profiles + "/" + entry->d_name);
		closedir(dir);
	}
	std::sort(paths.begin(), paths.end()); // the same order on every run
	std::vector<FoundFacts> same_version, same_release;
	for (const std::string &path : paths) {
		auto facts = read_profile(path);
		if (!facts || facts->build_id == id ||
		    major_minor(facts->qemu_version) != major_minor(exe->qemu_version))
			continue;
		bool exact = facts->qemu_version == exe->qemu_version;
		if (auto found = keyed(std::move(*facts), path, core, *exe))
			(exact ? same_version : same_release).push_back(std::move(*found));
	}
	for (FoundFacts &found : same_release)
		same_version.push_back(std::move(found));
	return same_version;
}

Result<QemuFacts> facts_of_executable(const LoadOptions &options)
{
	auto debug = DebugInfo::open_executable(options);
	if (!debug)
		return debug.take_error();
	QemuFacts facts = facts_from_debug_info(**debug);
	// What every walk reads first: without them this is no QEMU system emulator.
	if (!facts.global({"address_space_memory"}) || !facts.find_struct("RAMBlock"))
		return make_error(
			ErrorCode::not_qemu, options.executable,
			"its debug info has no address_space_memory or no struct RAMBlock: "
			"not a QEMU system emulator");
	return facts;
}

void cache_facts(FoundFacts &found, const LoadOptions &options)
{
	if (!found.debug || options.profile_cache.empty() || found.facts.build_id.empty())
		return;
	auto saved = save_profile(options.profile_cache, found.facts);
	found.details.push_back(
		saved ? "layout: profile cached as " +
				profile_path(options.profile_cache, found.facts.build_id)
		      : "layout: profile not cached: " + saved.error().to_string());
}

} // namespace vmcorefs
