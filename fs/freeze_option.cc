// --freeze: the live QEMU held still for as long as vmcorefs looks at it.
#include "cli.h"

namespace vmcorefs {

Result<std::unique_ptr<ProcessFreeze>> freeze_if_asked(const Options &options)
{
	if (!options.freeze)
		return std::unique_ptr<ProcessFreeze>();
	return ProcessFreeze::freeze(options.load.pid);
}

} // namespace vmcorefs
