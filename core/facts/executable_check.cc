#include "facts/executable_check.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace vmcorefs {
namespace {

// What is wrong with the recorded executable, or nullopt when nothing is.
std::optional<std::string> recorded_executable_problem(const ProcessCore &core)
{
	const std::string &path = core.executable_path();
	const std::vector<uint8_t> &want = core.executable_build_id();
	if (access(path.c_str(), F_OK) != 0)
		return std::string("is gone");
	auto got = file_build_id(path);
	if (!got) {
		const Error &e = got.error();
		return "cannot be read (" +
		       (e.code == ErrorCode::io ? std::string(strerror(e.errno_value))
						: e.message) +
		       ")";
	}
	if (*got == want)
		return std::nullopt;
	return "has build-id " + (got->empty() ? std::string("(none)") : build_id_hex(*got)) +
	       ", not the core's " + build_id_hex(want) + " (upgraded or rebuilt since)";
}

} // namespace

std::optional<std::string> moved_executable_warning(const ProcessCore &core,
						    const LoadOptions &options,
						    const DebugInfo &debug)
{
	if (core.pid() || !options.executable.empty() || core.executable_path().empty() ||
	    core.executable_build_id().empty())
		return std::nullopt;
	auto problem = recorded_executable_problem(core);
	if (!problem)
		return std::nullopt;
	// libdwfl names the file it found, except debuginfod's answers.
	const char *used = nullptr;
	dwfl_module_info(debug.module(), nullptr, nullptr, nullptr, nullptr, nullptr, &used,
			 nullptr);
	return "QEMU's executable " + core.executable_path() + " named by the core " + *problem +
	       "; using " + (used ? used : "the executable debuginfod served") +
	       ", which has the core's build-id";
}

} // namespace vmcorefs
