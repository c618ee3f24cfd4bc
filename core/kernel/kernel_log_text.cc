#include "kernel/kernel_log_text.h"

#include <array>

#include "base/string_format.h"

namespace vmcorefs {
namespace {

// Printable ASCII or white space, as isprint() || isspace() in the C locale: written as is.
bool shown_as_is(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || (c >= '\t' && c <= '\r');
}

// Every line of the log's text, in order, a message of several lines giving several.
template <typename Visit> void for_each_line(const KernelLog &log, Visit &&visit)
{
	for (const LogRecord &r : log.records)
		for (size_t pos = 0; pos <= r.text.size();) {
			size_t end = std::min(r.text.find('\n', pos), r.text.size());
			visit(r, std::string_view(r.text).substr(pos, end - pos));
			pos = end + 1;
		}
}

// crash's phrases (task.c), the most telling first; then, when none is found, any line with one
// of the shorter ones.
constexpr std::array panic_phrases{"SysRq : Crash",
				   "SysRq : Trigger a crash",
				   "SysRq : Netdump",
				   "Kernel panic: ",
				   "Kernel panic - ",
				   "Kernel BUG at",
				   "kernel BUG at",
				   "Unable to handle kernel paging request",
				   "Unable to handle kernel NULL pointer dereference",
				   "BUG: unable to handle kernel ",
				   "general protection fault: ",
				   "double fault: ",
				   "divide error: ",
				   "stack segment: ",
				   "[Hardware Error]: ",
				   "Bad mode in ",
				   "Oops: "};
constexpr std::array fallback_phrases{"Unable to handle kernel",
				      "BUG: unable to handle kernel",
				      "Kernel BUG at",
				      "kernel BUG at",
				      "Bad mode in",
				      "Oops",
				      "Kernel panic"};
constexpr size_t context_lines = 5;

} // namespace

std::string log_seconds(uint64_t ts_nsec)
{
	return format("%llu.%06llu", static_cast<unsigned long long>(ts_nsec / 1000000000),
		      static_cast<unsigned long long>(ts_nsec % 1000000000 / 1000));
}

std::string format_dmesg(const KernelLog &log)
{
	std::string out;
	for (const LogRecord &r : log.records) {
		// Seconds padded to five digits before the point, as makedumpfile's "[%5lu.%06lu]
		// ".
		std::string seconds = log_seconds(r.ts_nsec);
		size_t whole = seconds.find('.');
		std::string prefix =
			"[" + std::string(whole < 5 ? 5 - whole : 0, ' ') + seconds + "] ";
		out += prefix;
		for (unsigned char c : r.text) {
			if (c == '\n')
				out += '\n' + std::string(prefix.size(), ' ');
			else if (shown_as_is(c))
				out += static_cast<char>(c);
			else
				out += format("\\x%02x", c);
		}
		out += '\n';
	}
	if (!log.problem.empty())
		out += "vmcorefs: " + log.problem + "\n";
	return out;
}

std::optional<PanicReport> find_panic(const KernelLog &log)
{
	auto first_with = [&](auto phrases) -> std::optional<PanicReport> {
		std::vector<std::string> recent;
		std::optional<PanicReport> found;
		for_each_line(log, [&](const LogRecord &r, std::string_view line) {
			if (found)
				return;
			for (std::string_view phrase : phrases)
				if (line.find(phrase) != std::string_view::npos) {
					found = PanicReport{std::string(line), r.ts_nsec, recent};
					return;
				}
			recent.emplace_back(line);
			if (recent.size() > context_lines)
				recent.erase(recent.begin());
		});
		return found;
	};
	for (const char *phrase : panic_phrases)
		if (auto report = first_with(std::array{phrase}))
			return report;
	return first_with(fallback_phrases);
}

} // namespace vmcorefs
