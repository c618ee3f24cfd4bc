// vmcorefs --write-profile=FILE CORE: QEMU's layout, as the walk of this core (or process) found
// it, for --profile on hosts where QEMU's debug info is not at hand; written only after the walk
// succeeded. With --executable=QEMU and no core: what that binary's debug info says, which
// nothing has walked with yet.
#include "cli.h"
#include "facts/facts_source.h"
#include "facts/layout_profile.h"
#include "log.h"
#include "output_file.h"

namespace vmcorefs {

namespace {

Result<QemuFacts> facts(const LoadOptions &load)
{
	if (load.core_path.empty() && !load.pid)
		return facts_of_executable(load);
	auto guest = load_guest(load);
	if (!guest)
		return guest.take_error();
	report_guest(*guest);
	// Another build's layouts fit this one but lack its statics: a profile of them would say
	// this QEMU has none.
	if (!guest->facts.borrowed_from.empty())
		return make_error(ErrorCode::unsupported, guest->core->path(),
				  "its layout is another build's (" + guest->facts.borrowed_from +
					  "); --write-profile writes only a build's own, from its "
					  "debug info");
	return std::move(guest->facts);
}

} // namespace

int run_write_profile(const Options &options)
{
	const LoadOptions &load = options.load;
	auto found = facts(load);
	if (!found)
		return fail(found.error());
	auto done =
		write_output_file(options.profile_path, format_profile(*found),
				  {load.core_path, load.executable, load.debuginfo, load.profile},
				  "--write-profile");
	if (!done)
		return fail(done.error());
	return exit_ok;
}

} // namespace vmcorefs
