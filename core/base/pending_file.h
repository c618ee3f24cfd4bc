// PendingFile: a file that gets its name only once it is complete and on disk, so that a failure,
// Ctrl-C or even SIGKILL while it is written leaves no partial file under that name. Used for the
// cache of decompressed cores (core_cache.h) and wherever else a half-written file would be
// mistaken for a whole one.
//
// The file is unnamed (O_TMPFILE) where the file system allows. Where it cannot make unnamed files
// (NFS, for one) it has a temporary name in the same directory, unpredictable (mkostemp) and
// removed unless commit() succeeds. Either way it is made with mode 0600.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "base/unique_fd.h"

namespace vmcorefs {

class PendingFile {
public:
	enum class Existing { keep, replace };

	// dir: the directory the file will be named in; name: its final base name (for the
	// temporary name). Errors: io naming dir when no file can be made there.
	static Result<PendingFile> create(const std::string &dir, const std::string &name);

	PendingFile(PendingFile &&other) noexcept;
	PendingFile &operator=(PendingFile &&) = delete;
	PendingFile(const PendingFile &) = delete;
	PendingFile &operator=(const PendingFile &) = delete;
	~PendingFile();

	int fd() const { return fd_.get(); }
	// Appends bytes (a small file written whole: a profile). Errors: io naming path, the name
	// the file is for.
	Result<void> write(std::string_view bytes, const std::string &path);

	// fdatasync, then gives it the name path (which must be in dir). Existing::keep: a file
	// that already has that name stays, and that counts as success (the cache: another vmcorefs
	// made it). Existing::replace: an existing file of that name is replaced atomically
	// (rename(2)), so the name is always either the old file or the complete new one, never a
	// partial one. Errors name path: "cannot write" (fdatasync), "cannot create".
	Result<void> commit(const std::string &path, Existing existing);

private:
	PendingFile(UniqueFd fd, std::string dir, std::string name, std::string temp)
		: fd_(std::move(fd)), dir_(std::move(dir)), name_(std::move(name)),
		  temp_(std::move(temp))
	{
	}

	UniqueFd fd_;
	std::string dir_;
	std::string name_;
	std::string temp_; // the temporary name; empty for an unnamed file or once committed
};

} // namespace vmcorefs
