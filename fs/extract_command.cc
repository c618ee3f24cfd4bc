// vmcorefs --extract=FILE CORE (the copying itself is in extract.cc).
#include <cstdio>

#include "cli.h"
#include "extract.h"
#include "log.h"
#include "vmcore/vmcore_layout.h"

namespace vmcorefs {
int run_extract(const Options &options)
{
	auto guest = load_guest(options.load);
	if (!guest)
		return fail(guest.error());
	auto table = build_vmcore_table(guest->map);
	if (!table)
		return fail(table.error());
	report_guest(*guest);
	auto done = extract_file(*table, guest->core->source(), options.extract_path);
	if (!done)
		return fail(done.error());
	return exit_ok;
}

} // namespace vmcorefs
