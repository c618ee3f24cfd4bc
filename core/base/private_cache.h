// The rules for a cache directory of vmcorefs's own (decompressed cores, layout profiles).
// Nothing found in one is trusted for being there under the right name, since the names are
// predictable and a directory may be shared or planted: a symlink there once made root's --info
// describe another guest, a FIFO hung it. The directory must be the user's own and writable by no
// one else; an entry is opened without following a symlink or waiting on a FIFO and used only if
// what was opened is a regular file of the user's, writable by no one else, with one name.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/unique_fd.h"

namespace vmcorefs {

// $XDG_CACHE_HOME/vmcorefs/KIND, else $HOME/.cache/vmcorefs/KIND; empty when neither is set.
std::string default_cache_dir(std::string_view kind);

// dir, created with mode 0700 where missing (mkdir -p), and checked to be the user's own and
// writable by no one else. Errors: io naming dir ("cannot create the cache directory", "cannot
// use as the cache directory: …").
Result<void> make_private_directory(const std::string &dir);

// What is under an entry's name.
struct CacheEntry {
	enum Kind { nothing, ours, foreign } kind = nothing;
	std::string why;        // for foreign: what it is, for a warning
	bool removable = false; // for foreign: a file or symlink, which may be removed
	UniqueFd fd;            // for ours: the entry, open for reading
};

// Judges what is at path by what opening it gives, never by a look at the name that the file
// could change after. Errors: io when it cannot be told (EMFILE, say).
Result<CacheEntry> open_cache_entry(const std::string &path);

// "0755", "1777": the permission bits as chmod takes them.
std::string octal_mode(unsigned mode);

} // namespace vmcorefs
