// ProcessCore::attach: a live process, described by /proc/PID the way a core describes a dead one.
// Its mappings become the segments (each present whole, at offsets that are its addresses), the
// file-backed ones the NT_FILE entries; /proc/PID/auxv is NT_AUXV and /proc/PID/comm pr_fname.
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <elf.h>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/byte_order.h"
#include "source/process_core.h"
#include "source/process_memory.h"

namespace vmcorefs {
namespace {

uint32_t segment_flags(const char *perms)
{
	return (perms[0] == 'r' ? PF_R : 0) | (perms[1] == 'w' ? PF_W : 0) |
	       (perms[2] == 'x' ? PF_X : 0);
}

Result<std::string> read_proc_file(const std::string &path, const std::string &name)
{
	std::ifstream in(path, std::ios::binary);
	if (!in.is_open())
		return make_io_error(name, "cannot open " + path, errno);
	std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	if (in.bad())
		return make_error(ErrorCode::io, name, "cannot read " + path);
	return text;
}

} // namespace

Result<std::unique_ptr<ProcessCore>> ProcessCore::attach(pid_t pid)
{
	auto memory = ProcessMemory::open(pid);
	if (!memory)
		return memory.take_error();
	std::string dir = (*memory)->proc_dir();
	std::unique_ptr<ProcessCore> core(new ProcessCore(std::move(*memory)));
	core->pid_ = pid;
	VMCOREFS_TRY(core->read_proc_maps(dir));
	VMCOREFS_TRY(core->read_proc_auxv(dir));
	auto comm = read_proc_file(dir + "/comm", core->path());
	if (!comm)
		return comm.take_error();
	core->command_ = comm->substr(0, comm->find('\n'));
	core->find_executable();
	core->executable_file_ = dir + "/exe";
	return core;
}

// "START-END PERMS OFFSET DEV INODE [PATH]", hex addresses, in address order.
Result<void> ProcessCore::read_proc_maps(const std::string &dir)
{
	auto text = read_proc_file(dir + "/maps", path());
	if (!text)
		return text.take_error();
	for (size_t pos = 0; pos < text->size();) {
		size_t eol = text->find('\n', pos);
		std::string line = text->substr(pos, eol - pos);
		pos = eol == std::string::npos ? text->size() : eol + 1;
		unsigned long long start, end, offset;
		char perms[5];
		int path_at = -1;
		if (std::sscanf(line.c_str(), "%llx-%llx %4s %llx %*s %*u %n", &start, &end, perms,
				&offset, &path_at) < 4 ||
		    end <= start)
			return make_error(ErrorCode::corrupt, path(),
					  "cannot parse " + dir + "/maps line '" + line + "'");
		// pread's offset is signed: the vsyscall page, at the top, cannot be read.
		if (end > static_cast<unsigned long long>(LLONG_MAX))
			continue;
		segments_.push_back({start, end - start, start, end - start, end - start,
				     segment_flags(perms)});
		std::string file = path_at >= 0 ? line.substr(static_cast<size_t>(path_at)) : "";
		if (file.starts_with("/"))
			file_mappings_.push_back({start, end, offset, file});
	}
	return {};
}

Result<void> ProcessCore::read_proc_auxv(const std::string &dir)
{
	auto bytes = read_proc_file(dir + "/auxv", path());
	if (!bytes)
		return bytes.take_error();
	auto *data = reinterpret_cast<const std::byte *>(bytes->data());
	for (size_t i = 0; i + 16 <= bytes->size(); i += 16) {
		uint64_t type = load_le<uint64_t>(data + i);
		if (type == AT_NULL)
			break;
		auxv_.emplace_back(type, load_le<uint64_t>(data + i + 8));
	}
	return {};
}

bool ProcessCore::stopped() const
{
	if (!pid_)
		return false;
	std::string tasks = "/proc/" + std::to_string(*pid_) + "/task";
	std::error_code ec;
	bool any = false;
	for (const auto &task : std::filesystem::directory_iterator(tasks, ec)) {
		auto stat = read_proc_file(task.path().string() + "/stat", path());
		size_t paren = stat ? stat->rfind(')') : std::string::npos;
		// "PID (COMM) STATE ...": T stopped by a signal, t by a tracer.
		if (paren == std::string::npos || paren + 2 >= stat->size() ||
		    ((*stat)[paren + 2] != 'T' && (*stat)[paren + 2] != 't'))
			return false;
		any = true;
	}
	return any && !ec;
}

} // namespace vmcorefs
