// vmcorefs --compare=REF.vmcore CORE: what vmcorefs would serve, held against a vmcore QEMU wrote.
#include <cstdio>

#include "base/text_escape.h"
#include "cli.h"
#include "log.h"
#include "vmcore/vmcore_compare.h"
#include "vmcore/vmcore_layout.h"

namespace vmcorefs {
int run_compare(const Options &options)
{
	auto reference_file = MappedFile::open(options.compare_path);
	if (!reference_file)
		return fail(reference_file.error());
	auto reference = VmcoreView::parse(*reference_file);
	if (!reference)
		return fail(reference.error());
	auto guest = load_guest(options.load);
	if (!guest)
		return fail(guest.error());
	auto table = build_vmcore_table(guest->map);
	if (!table)
		return fail(table.error());
	const MemorySource &core = guest->core->source();
	auto ours = VmcoreView::parse("guest.vmcore", table->size(),
				      [&](uint64_t offset, void *dst, size_t length) {
					      return read_served(*table, core, offset, dst, length);
				      });
	if (!ours)
		return fail(ours.error());

	CompareResult result = compare_vmcores(*ours, *reference);
	for (const auto &line : result.summary)
		std::printf("%s\n", line.c_str());
	// Differences quote note names read from the reference: untrusted text.
	for (const auto &line : result.differences)
		std::printf("differs: %s\n", printable(line).c_str());
	std::printf("%s\n", result.equal() ? "vmcores agree" : "vmcores differ");
	return result.equal() ? exit_ok : exit_differ;
}

} // namespace vmcorefs
