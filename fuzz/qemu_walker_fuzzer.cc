// libFuzzer target for the QEMU walker and everything after it: the walk of QEMU's structures
// (walk_guest: FlatView, RAM blocks, vCPUs, VMCOREINFO), the vmcore layout, the mounted file tree
// and the info texts, on cores whose memory is fuzzed.
//
// QEMU's DWARF cannot be part of a fuzz input, so the input is the *memory* of a fixed small core:
// make_walker_template.cc cuts out of a real QEMU core exactly the 64-byte chunks the walk reads,
// at their real addresses. That core's headers and notes stay fixed; the fuzz input replaces the
// bytes of its PT_LOADs (shorter: the core is truncated; longer: trailing bytes), so every pointer,
// count, flag and string QEMU's structures hold is fuzzed, while one DebugInfo, opened once from
// the template and the real QEMU executable, gives the walk its symbols and types. Errors are fine;
// crashes, sanitizer reports, hangs and leaks are findings.
//
// Environment: VMCOREFS_FUZZ_TEMPLATE=DIR, a directory written by vmcorefs_fuzz_walker_template.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "facts/debug_info.h"
#include "facts/dwarf_facts.h"
#include "file_tree.h"
#include "guest_report.h"
#include "load/guest_loader.h"
#include "memfd_file.h"
#include "vmcore/vmcore_layout.h"

using namespace vmcorefs;

namespace {

struct Fixed {
	std::unique_ptr<ProcessCore> core; // the template
	QemuFacts facts;                   // QEMU's layout, from the template's DWARF
	uint64_t load_bias = 0;
	std::vector<uint8_t> headers; // the template up to its first PT_LOAD's data
};

Fixed *fixed;

[[noreturn]] void die(const std::string &message)
{
	std::fprintf(stderr, "qemu_walker_fuzzer: %s\n", message.c_str());
	std::exit(1);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	const char *dir = std::getenv("VMCOREFS_FUZZ_TEMPLATE");
	if (!dir)
		die("set VMCOREFS_FUZZ_TEMPLATE to a directory made by vmcorefs_fuzz_walker_template");
	std::string path = std::string(dir) + "/template.core";
	fixed = new Fixed;
	auto core = ProcessCore::open(path);
	if (!core)
		die(core.error().to_string());
	fixed->core = std::move(*core);
	LoadOptions options;
	options.core_path = path;
	options.executable = std::string(dir) + "/executable";
	auto debug = DebugInfo::open(*fixed->core, options);
	if (!debug)
		die(debug.error().to_string());
	fixed->facts = facts_from_debug_info(**debug);
	fixed->load_bias = (*debug)->load_bias();
	uint64_t data = fixed->core->source().size();
	for (const CoreSegment &s : fixed->core->segments())
		data = std::min(data, s.offset);
	auto bytes = fixed->core->source().bytes().first(data);
	fixed->headers.assign(reinterpret_cast<const uint8_t *>(bytes.data()),
			      reinterpret_cast<const uint8_t *>(bytes.data()) + bytes.size());
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz::MemfdFile file(fixed->headers, {data, size});
	auto core = ProcessCore::open(file.path());
	if (!core) // only the input's length can make the fixed headers fail
		return 0;
	auto map = walk_guest(**core, fixed->facts, fixed->load_bias);
	if (!map) {
		(void)map.error().to_string();
		return 0;
	}
	LoadedGuest guest{std::move(*core), std::move(*map), {}, {}};
	// The texts are made here, not on first use: the fuzzer reaches the kernel log decoder
	// with guest memory it controls.
	GuestReport report(guest);
	std::string info = report.info(), info_json = report.info_json(), dmesg = report.dmesg();
	TreeTexts texts{[&] { return info; }, [&] { return info_json; }, [&] { return dmesg; }};
	auto tree = FileTree::build(guest.map, guest.core->source(), std::move(texts));
	(void)tree;
	return 0;
}
