#include "guest_report.h"

#include "info_render.h"
#include "kernel/guest_kernel_log.h"
#include "kernel/kernel_log_text.h"

namespace vmcorefs {

const KernelLog &GuestReport::log()
{
	std::call_once(read_once_,
		       [this] { log_ = read_guest_kernel_log(*guest_.core, guest_.map); });
	return log_;
}

std::string GuestReport::info()
{
	return render_info(guest_, log());
}

std::string GuestReport::info_json()
{
	return render_info_json(guest_, log());
}

std::string GuestReport::dmesg()
{
	return format_dmesg(log());
}

} // namespace vmcorefs
