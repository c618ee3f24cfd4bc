#include "output_file.h"

#include <cerrno>
#include <cstdlib>
#include <unistd.h>

#include "base/pending_file.h"

namespace vmcorefs {
namespace {

Result<std::string> real_path(const std::string &path)
{
	char *real = realpath(path.c_str(), nullptr);
	if (!real)
		return make_io_error(path, "cannot create", errno);
	std::string out = real;
	std::free(real);
	return out;
}

// The directory and base name of an absolute path.
OutputTarget split(std::string path)
{
	auto slash = path.rfind('/');
	OutputTarget t{path, slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
	return t;
}

std::vector<struct stat> identities(const std::vector<std::string> &inputs)
{
	std::vector<struct stat> out;
	for (const std::string &input : inputs) {
		struct stat st;
		if (!input.empty() && stat(input.c_str(), &st) == 0)
			out.push_back(st);
	}
	return out;
}

} // namespace

Result<OutputTarget> output_destination(const std::string &path,
					const std::vector<struct stat> &inputs,
					std::string_view option)
{
	if (path == "-")
		return make_error(ErrorCode::usage, path,
				  std::string(option) + " writes a file, not standard output");
	struct stat st;
	if (stat(path.c_str(), &st) != 0) {
		if (errno != ENOENT)
			return make_io_error(path, "cannot create", errno);
		// A new file (or a link to nothing, which it replaces), in a directory that exists.
		auto slash = path.rfind('/');
		std::string dir = slash == path.npos ? "."
				  : slash == 0       ? "/"
						     : path.substr(0, slash);
		std::string base = slash == path.npos ? path : path.substr(slash + 1);
		auto real_dir = real_path(dir);
		if (!real_dir)
			return make_io_error(path, "cannot create", real_dir.error().errno_value);
		return split((*real_dir == "/" ? "" : *real_dir) + "/" + base);
	}
	if (!S_ISREG(st.st_mode))
		return make_error(ErrorCode::usage, path,
				  "not a regular file; " + std::string(option) +
					  " writes or replaces regular files only");
	for (const struct stat &input : inputs)
		if (st.st_dev == input.st_dev && st.st_ino == input.st_ino)
			return make_error(ErrorCode::usage, path,
					  "is the core itself (or another input of this run); " +
						  std::string(option) +
						  " never overwrites its input");
	auto real = real_path(path);
	if (!real)
		return real.take_error();
	return split(*real);
}

Result<void> check_output_target(const std::string &path, const std::vector<std::string> &inputs,
				 std::string_view option)
{
	auto target = output_destination(path, identities(inputs), option);
	if (!target)
		return target.take_error();
	return {};
}

Result<void> write_output_file(const std::string &path, const std::string &text,
			       const std::vector<std::string> &inputs, std::string_view option)
{
	auto target = output_destination(path, identities(inputs), option);
	if (!target)
		return target.take_error();
	auto pending = PendingFile::create(target->directory, target->name);
	if (!pending)
		return pending.take_error();
	VMCOREFS_TRY(pending->write(text, path));
	return pending->commit(target->path, PendingFile::Existing::replace);
}

} // namespace vmcorefs
