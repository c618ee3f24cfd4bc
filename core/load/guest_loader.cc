#include "load/guest_loader.h"

#include <algorithm>

#include "arch/guest_arch.h"
#include "base/elf_note.h"
#include "facts/executable_check.h"
#include "facts/facts_source.h"
#include "kernel/vmcoreinfo_pointer.h"
#include "load/layout_checks.h"
#include "qemu/guest_block_walker.h"
#include "qemu/guest_memory_resolver.h"
#include "qemu/qemu_identity.h"
#include "qemu/qemu_reader.h"
#include "qemu/ramblock_walker.h"
#include "qemu/vmcoreinfo.h"

namespace vmcorefs {
namespace {

bool looks_like_qemu(const ProcessCore &core)
{
	return core.command().find("qemu") != std::string::npos ||
	       core.executable_path().find("qemu") != std::string::npos;
}

// Without debug info we cannot tell for sure; a program that does not even look like QEMU gets
// the more useful answer.
Error not_qemu_or(const ProcessCore &core, Error error)
{
	if (error.code != ErrorCode::no_debug_info || looks_like_qemu(core))
		return error;
	std::string what = core.command().empty() ? core.executable_path() : core.command();
	return make_error(ErrorCode::not_qemu, core.path(),
			  (core.pid() ? "a process of '" : "a core of '") + what +
				  "', not of a QEMU system emulator");
}

// current_machine->dump_guest_core (-machine dump-guest-core), when the core tells.
std::optional<bool> dump_guest_core(QemuReader &r)
{
	auto machine = r.global("current_machine");
	auto type = r.layout("MachineState");
	if (!machine || !type)
		return std::nullopt;
	auto field = type->field("dump_guest_core");
	auto ms = r.read_uint(*machine, Field{0, 8, {}, "current_machine"});
	if (!field || !ms || *ms == 0)
		return std::nullopt;
	auto on = r.read_bool(*ms, *field);
	return on ? std::optional<bool>(*on) : std::nullopt;
}

// Why no guest RAM is in the core, and what to do before the next crash.
Error no_guest_ram(QemuReader &r, const GuestMemoryMap &map)
{
	AbsentReason reason = map.absent.empty() ? AbsentReason::unmapped : map.absent[0].reason;
	std::string why;
	if (reason != AbsentReason::truncated && dump_guest_core(r) == false)
		why = "QEMU ran with -machine dump-guest-core=off, which keeps guest RAM out of core "
		      "dumps (leave it on, the default; gcore of a live QEMU takes it after gdb's "
		      "'set dump-excluded-mappings on')";
	else if (reason == AbsentReason::not_dumped)
		why = "the kernel left it out: its RAM is shared or hugetlb memory that "
		      "coredump_filter excludes (echo 0x7f > /proc/QEMU_PID/coredump_filter before "
		      "the crash), or a memory backend has dump=off or -machine dump-guest-core=off";
	else if (reason == AbsentReason::truncated)
		why = "the core was cut short before it (raise ulimit -c, or systemd-coredump's "
		      "ProcessSizeMax and ExternalSizeMax)";
	else
		why = "the core has no mapping for it: gcore leaves out what coredump_filter "
		      "excludes (shared or hugetlb RAM: echo 0x7f > /proc/QEMU_PID/coredump_filter) "
		      "and what QEMU marks MADV_DONTDUMP (a memory backend's dump=off, -machine "
		      "dump-guest-core=off)";
	return make_error(ErrorCode::no_guest_ram, r.core().path(),
			  "none of the guest's RAM is in the core: " + why);
}

// A core cut short (ulimit -c, a full disk) explains whatever else is missing from it better than
// the symptom does (an executable not found, a structure not readable): say it first.
Error unless_truncated(const ProcessCore &core, Error error)
{
	uint64_t described = 0;
	bool truncated = false;
	for (const CoreSegment &segment : core.segments()) {
		described = std::max(described, segment.offset + segment.filesz);
		truncated |= segment.present < segment.filesz;
	}
	if (!truncated || error.code == ErrorCode::not_qemu)
		return error;
	error.code = ErrorCode::truncated;
	error.message = "the core is truncated (" + hex(core.source().size()) + " of the " +
			hex(described) +
			" bytes its headers describe; ulimit -c or a full disk?): " + error.message;
	return error;
}

// The CPU notes, then VMCOREINFO, as dump-guest-memory orders them.
Result<void> add_notes(QemuReader &reader, const GuestArch &arch, uint64_t vmcoreinfo_scan_limit,
		       GuestMemoryMap &map)
{
	auto cpus = arch.cpu_notes(reader, map.accelerator);
	if (!cpus)
		return cpus.take_error();
	map.notes = std::move(cpus->bytes);
	map.elf_machine = cpus->elf_machine;
	map.elf_class = arch.elf_class(map);
	map.vcpus = std::move(cpus->vcpus);
	map.warnings.insert(map.warnings.end(), cpus->warnings.begin(), cpus->warnings.end());
	LikelyNotePages pointed;
	if (cpus->x86_64_paging)
		pointed = [&](const std::function<bool(uint64_t)> &try_page) {
			for_each_vmcoreinfo_pointer(
				*cpus->x86_64_paging,
				[&](uint64_t paddr, void *dst, size_t length) {
					return read_guest_physical(reader.core(), map, paddr, dst,
								   length);
				},
				try_page);
		};
	Vmcoreinfo vmcoreinfo =
		find_vmcoreinfo(reader, map, vmcoreinfo_scan_limit, pointed, map.warnings);
	map.notes.insert(map.notes.end(), vmcoreinfo.note.begin(), vmcoreinfo.note.end());
	map.vmcoreinfo_source = vmcoreinfo.source;
	map.vmcoreinfo = vmcoreinfo.text;
	map.aliases = arch.aliases(vmcoreinfo.text, map);
	// binutils' readelf -n fails on an empty PT_NOTE; crash and drgn ignore unknown notes.
	if (map.notes.empty()) {
		static const char why[] = "no CPU notes (registers stale) and no VMCOREINFO";
		append_elf_note(map.notes, "VMCOREFS", 0,
				std::as_bytes(std::span(why, sizeof why - 1)));
	}
	return {};
}

std::vector<std::string> details(const FoundFacts &found)
{
	std::vector<std::string> out = found.details;
	out.insert(out.end(), found.facts.matched().begin(), found.facts.matched().end());
	return out;
}

} // namespace

Result<GuestMemoryMap> walk_guest(const ProcessCore &core, const QemuFacts &facts,
				  uint64_t load_bias, uint64_t vmcoreinfo_scan_limit)
{
	QemuReader reader(core, facts, load_bias);
	GuestMemoryMap map;
	QemuIdentity id = read_qemu_identity(reader);
	map.qemu_version = id.version;
	map.machine = id.machine;
	map.accelerator = id.accelerator;
	auto blocks = walk_guest_blocks(reader);
	if (!blocks)
		return unless_truncated(core, blocks.take_error());
	map.blocks = std::move(*blocks);
	auto ramblocks = walk_ramblocks(reader);
	if (!ramblocks)
		return unless_truncated(core, ramblocks.take_error());
	map.ramblocks = std::move(*ramblocks);
	resolve_guest_memory(core, map);
	if (map.segments.empty())
		return no_guest_ram(reader, map);
	auto arch = find_guest_arch(reader);
	if (!arch)
		return arch.take_error();
	// Before registers are read or guest RAM is scanned through another build's layouts.
	if (!facts.borrowed_from.empty())
		if (auto fits = check_borrowed_layout(reader, **arch, map); !fits)
			return unless_truncated(core, fits.take_error());
	if (auto notes = add_notes(reader, **arch, vmcoreinfo_scan_limit, map); !notes)
		return unless_truncated(core, notes.take_error());
	return map;
}

namespace {

LoadedGuest loaded(std::unique_ptr<ProcessCore> core, FoundFacts found, GuestMemoryMap map,
		   const LoadOptions &options)
{
	cache_facts(found, options);
	LoadedGuest out;
	out.map = std::move(map);
	if (found.debug)
		if (auto moved = moved_executable_warning(*core, options, *found.debug))
			out.map.warnings.insert(out.map.warnings.begin(), *moved);
	if (!found.facts.borrowed_from.empty())
		out.map.warnings.insert(out.map.warnings.begin(),
					"QEMU's layout is taken from " + found.facts.borrowed_from +
						", the profile of another build, after the walk "
						"passed vmcorefs's layout checks");
	out.details = details(found);
	out.facts = std::move(found.facts);
	out.core = std::move(core);
	return out;
}

// No layout of this build's own (own_error): the first profile of another build of the same QEMU
// whose walk passes the layout checks, or own_error with why those did not fit.
Result<LoadedGuest> load_with_borrowed_layout(std::unique_ptr<ProcessCore> core,
					      const LoadOptions &options, Error own_error)
{
	std::vector<std::string> misfits;
	for (FoundFacts &candidate : borrowed_facts(*core, options)) {
		auto map = walk_guest(*core, candidate.facts, candidate.load_bias,
				      options.vmcoreinfo_scan_limit);
		if (map)
			return loaded(std::move(core), std::move(candidate), std::move(*map),
				      options);
		misfits.push_back(candidate.facts.borrowed_from + ": " + map.error().message);
	}
	for (const std::string &misfit : misfits)
		own_error.message += "; the profile " + misfit;
	return unless_truncated(*core, not_qemu_or(*core, std::move(own_error)));
}

} // namespace

Result<LoadedGuest> load_guest(const LoadOptions &options)
{
	auto core = options.pid ? ProcessCore::attach(options.pid)
				: ProcessCore::open(options.core_path);
	if (!core)
		return core.take_error();
	auto found = find_facts(**core, options);
	if (!found && found.error().code == ErrorCode::no_debug_info)
		return load_with_borrowed_layout(std::move(*core), options, found.take_error());
	if (!found)
		return unless_truncated(**core, not_qemu_or(**core, found.take_error()));
	auto map =
		walk_guest(**core, found->facts, found->load_bias, options.vmcoreinfo_scan_limit);
	if (!map) {
		if (options.details)
			*options.details = details(*found);
		return map.take_error();
	}
	return loaded(std::move(*core), std::move(*found), std::move(*map), options);
}

} // namespace vmcorefs
