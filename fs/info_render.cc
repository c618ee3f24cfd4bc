#include "info_render.h"

#include <cinttypes>
#include <ctime>
#include <elf.h>

#include "base/string_format.h"
#include "base/text_escape.h"
#include "kernel/kernel_log_text.h"
#include "kernel/vmcoreinfo_text.h"

namespace vmcorefs {
namespace {

uint64_t present_bytes(const RamBlockInfo &block)
{
	uint64_t n = 0;
	for (const auto &piece : block.pieces)
		n += piece.present() ? piece.length : 0;
	return n;
}

// The table QEMU's scripts/dump-guest-memory.py prints, one row per final block.
std::string render_blocks(const GuestMemoryMap &map)
{
	std::string out = "guest RAM blocks:\n"
			  "target_start     target_end       host_addr\n"
			  "---------------- ---------------- ----------------\n";
	for (const auto &b : map.blocks)
		out += format("%016" PRIx64 " %016" PRIx64 " %016" PRIx64 "\n", b.start, b.end,
			      b.host);
	return out;
}

// The table of QEMU's `info ramblock`, plus how much of each block the core holds.
std::string render_ramblocks(const GuestMemoryMap &map)
{
	std::string out = format("%24s  %18s %18s %18s %18s\n", "Block Name", "Offset", "Used",
				 "Total", "In core");
	for (const auto &b : map.ramblocks)
		out += format("%24s  0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64
			      " 0x%016" PRIx64 "\n",
			      printable(b.idstr).c_str(), b.offset, b.used_length, b.max_length,
			      present_bytes(b));
	return out;
}

std::string render_absent(const GuestMemoryMap &map)
{
	if (map.absent.empty())
		return "absent guest memory: none\n";
	std::string out = "absent guest memory (not in guest.vmcore):\n";
	for (const auto &a : map.absent)
		out += format("  guest 0x%016" PRIx64 "-0x%016" PRIx64 " (%s)\n", a.start, a.end,
			      to_string(a.reason));
	return out;
}

const char *machine_name(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	default: return "unknown";
	}
}

const char *class_name(ElfClass elf_class)
{
	return elf_class == ElfClass::elf32 ? "ELFCLASS32" : "ELFCLASS64";
}

// Which vCPUs have register notes, and where VMCOREINFO came from.
std::string render_notes(const GuestMemoryMap &map)
{
	std::string out = format("guest:       %s, %zu vCPUs\n", machine_name(map.elf_machine),
				 map.vcpus.size());
	const char *current = map.elf_machine == EM_AARCH64
				      ? "registers current (NT_PRSTATUS and NT_PRFPREG notes)"
				      : "registers current (NT_PRSTATUS and QEMU notes)";
	for (const auto &cpu : map.vcpus)
		out += format("  vCPU %d:    %s\n", cpu.cpu_index,
			      cpu.registers_current ? current : "registers stale (no notes)");
	out += format("vmcore:      %s\n", class_name(map.elf_class));
	out += "VMCOREINFO:  " +
	       (map.vmcoreinfo_source.empty() ? "none" : printable(map.vmcoreinfo_source)) + "\n";
	return out;
}

// What the guest kernel says of itself: its release, the time of the crash when the kernel
// recorded one (VMCOREINFO's CRASHTIME, written by kdump), and the panic line of its log.
struct KernelFacts {
	std::optional<std::string> release;
	std::optional<uint64_t> crash_time; // seconds since the epoch
	std::optional<PanicReport> panic;
};

KernelFacts kernel_facts(const GuestMemoryMap &map, const KernelLog &log)
{
	return {vmcoreinfo_value(map.vmcoreinfo, "OSRELEASE"),
		vmcoreinfo_number(map.vmcoreinfo, "CRASHTIME", 10), find_panic(log)};
}

std::string render_kernel(const GuestMemoryMap &map, const KernelLog &log)
{
	KernelFacts facts = kernel_facts(map, log);
	std::string out =
		"kernel:      " + (facts.release ? printable(*facts.release) : "unknown") + "\n";
	if (facts.crash_time) {
		time_t t = static_cast<time_t>(*facts.crash_time);
		struct tm utc;
		char when[64];
		if (gmtime_r(&t, &utc) &&
		    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &utc))
			out += std::string("crash time:  ") + when + "\n";
	}
	if (facts.panic) {
		out += "panic:       " + printable(facts.panic->line) + "\n";
		out += "             logged " + log_seconds(facts.panic->ts_nsec) +
		       " s after boot" + (facts.panic->before.empty() ? "\n" : ", after:\n");
		for (const auto &line : facts.panic->before)
			out += "               " + printable(line) + "\n";
	} else if (!log.records.empty()) {
		out += format("panic:       none in the log (%zu records)\n", log.records.size());
	}
	if (!log.problem.empty())
		out += "kernel log:  " + printable(log.problem) + "\n";
	return out;
}

std::string json_kernel(const GuestMemoryMap &map, const KernelLog &log)
{
	KernelFacts facts = kernel_facts(map, log);
	std::string out = "{\"release\": " + (facts.release ? json_string(*facts.release) : "null");
	out += ", \"crash_time\": " +
	       (facts.crash_time ? std::to_string(*facts.crash_time) : std::string("null"));
	out += format(", \"log_records\": %zu", log.records.size());
	out += ", \"log_problem\": " + (log.problem.empty() ? "null" : json_string(log.problem));
	out += ", \"panic\": " + (facts.panic ? json_string(facts.panic->line) : "null");
	if (facts.panic) {
		out += format(", \"panic_time_ns\": %" PRIu64, facts.panic->ts_nsec);
		out += ", \"panic_context\": [";
		for (size_t i = 0; i < facts.panic->before.size(); i++)
			out += (i ? ", " : "") + json_string(facts.panic->before[i]);
		out += "]";
	}
	return out + "}";
}

template <typename T, typename F> std::string json_array(const std::vector<T> &items, F item)
{
	std::string out = "[";
	for (size_t i = 0; i < items.size(); i++)
		out += (i ? ",\n    " : "\n    ") + item(items[i]);
	return out + (items.empty() ? "]" : "\n  ]");
}

} // namespace

std::string render_info(const LoadedGuest &guest, const KernelLog &log)
{
	const GuestMemoryMap &map = guest.map;
	std::string out;
	if (auto pid = guest.core->pid())
		out += "process:     " + std::to_string(*pid) +
		       " (live: memory is read at each read; blocks, notes and registers are as of the "
		       "mount)\n";
	else
		out += "core:        " + printable(guest.core->path()) + "\n";
	out += "QEMU:        " + printable(map.qemu_version) + "\n";
	out += "machine:     " + printable(map.machine) + "\n";
	out += "accelerator: " + printable(map.accelerator) + "\n";
	out += render_notes(map);
	out += render_kernel(map, log) + "\n";
	out += render_blocks(map) + "\n";
	out += render_absent(map) + "\n";
	out += "RAM blocks:\n" + render_ramblocks(map);
	if (!map.warnings.empty()) {
		out += "\nwarnings:\n";
		for (const auto &w : map.warnings)
			out += "  " + printable(w) + "\n";
	}
	return out;
}

std::string render_info_json(const LoadedGuest &guest, const KernelLog &log)
{
	const GuestMemoryMap &map = guest.map;
	std::string out = "{\n";
	if (auto pid = guest.core->pid())
		out += format("  \"pid\": %d,\n", *pid);
	else
		out += "  \"core\": " + json_string(guest.core->path()) + ",\n";
	out += "  \"qemu_version\": " + json_string(map.qemu_version) + ",\n";
	out += "  \"machine\": " + json_string(map.machine) + ",\n";
	out += "  \"accelerator\": " + json_string(map.accelerator) + ",\n";
	out += format("  \"guest_arch\": \"%s\",\n", machine_name(map.elf_machine));
	out += format("  \"vmcore_class\": \"%s\",\n", class_name(map.elf_class));
	out += "  \"vcpus\": " +
	       json_array(map.vcpus,
			  [](const VcpuSummary &c) {
				  return format("{\"cpu_index\": %d, \"registers_current\": %s}",
						c.cpu_index,
						c.registers_current ? "true" : "false");
			  }) +
	       ",\n";
	out += "  \"vmcoreinfo\": " + json_string(map.vmcoreinfo_source) + ",\n";
	out += "  \"kernel\": " + json_kernel(map, log) + ",\n";
	out += "  \"blocks\": " +
	       json_array(map.blocks,
			  [](const GuestBlock &b) {
				  return format("{\"start\": %" PRIu64 ", \"end\": %" PRIu64
						", \"host\": %" PRIu64 "}",
						b.start, b.end, b.host);
			  }) +
	       ",\n";
	out += "  \"absent\": " +
	       json_array(map.absent,
			  [](const AbsentRange &a) {
				  return format("{\"start\": %" PRIu64 ", \"end\": %" PRIu64
						", \"reason\": \"%s\"}",
						a.start, a.end, to_string(a.reason));
			  }) +
	       ",\n";
	out += "  \"ramblocks\": " +
	       json_array(map.ramblocks,
			  [](const RamBlockInfo &b) {
				  return "{\"idstr\": " + json_string(b.idstr) +
					 format(", \"offset\": %" PRIu64
						", \"used_length\": %" PRIu64
						", \"max_length\": %" PRIu64 ", \"host\": %" PRIu64
						", \"in_core\": %" PRIu64 "}",
						b.offset, b.used_length, b.max_length, b.host,
						present_bytes(b));
			  }) +
	       ",\n";
	out += "  \"warnings\": " + json_array(map.warnings, json_string) + "\n";
	return out + "}\n";
}

} // namespace vmcorefs
