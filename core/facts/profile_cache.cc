#include "facts/profile_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/pending_file.h"
#include "base/private_cache.h"
#include "facts/debug_info.h"
#include "facts/layout_profile.h"

namespace vmcorefs {

std::string profile_path(const std::string &dir, const std::vector<uint8_t> &build_id)
{
	return dir + "/" + build_id_hex(build_id) + ".profile";
}

std::optional<QemuFacts> cached_profile(const std::string &dir,
					const std::vector<uint8_t> &build_id, std::string *why)
{
	why->clear();
	std::string path = profile_path(dir, build_id);
	auto entry = open_cache_entry(path);
	if (!entry) {
		*why = entry.error().to_string();
		return std::nullopt;
	}
	if (entry->kind == CacheEntry::nothing)
		return std::nullopt;
	if (entry->kind == CacheEntry::foreign) {
		*why = path + ": not vmcorefs's own (" + entry->why + ")";
		if (entry->removable)
			unlinkat(AT_FDCWD, path.c_str(), 0);
		return std::nullopt;
	}
	auto facts = read_profile(entry->fd.get(), path);
	if (!facts) {
		*why = facts.error().to_string();
		return std::nullopt;
	}
	if (facts->build_id != build_id) {
		*why = path + ": describes build-id " + build_id_hex(facts->build_id);
		return std::nullopt;
	}
	return std::move(*facts);
}

Result<void> save_profile(const std::string &dir, const QemuFacts &facts)
{
	VMCOREFS_TRY(make_private_directory(dir));
	std::string path = profile_path(dir, facts.build_id);
	std::string name = path.substr(dir.size() + 1);
	auto entry = PendingFile::create(dir, name);
	if (!entry)
		return entry.take_error();
	VMCOREFS_TRY(entry->write(format_profile(facts), path));
	return entry->commit(path, PendingFile::Existing::replace);
}

} // namespace vmcorefs
