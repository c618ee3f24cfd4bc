#include "facts/layout_profile.h"

#include <charconv>
#include <cstring>
#include <sstream>
#include <unistd.h>

#include "base/regular_file.h"
#include "facts/debug_info.h"
#include "facts/qemu_fact_list.h"

namespace vmcorefs {
namespace {

constexpr std::string_view magic = "vmcorefs layout profile 1";
constexpr size_t max_profile_bytes = 1 << 20;

void put_symbol(std::ostringstream &out, std::string_view kind, const std::string &key,
		const std::optional<QemuFacts::Symbol> &symbol)
{
	out << kind << ' ' << key << ' ';
	if (symbol)
		out << symbol->name << ' ' << hex(symbol->offset) << '\n';
	else
		out << "-\n";
}

std::vector<std::string_view> words(std::string_view line)
{
	std::vector<std::string_view> out;
	for (size_t pos = 0; pos < line.size();) {
		size_t end = line.find(' ', pos);
		if (end == line.npos)
			end = line.size();
		if (end > pos)
			out.push_back(line.substr(pos, end - pos));
		pos = end + 1;
	}
	return out;
}

template <typename T> bool number(std::string_view word, T *out)
{
	int base = 10;
	if (word.starts_with("0x")) {
		word.remove_prefix(2);
		base = 16;
	}
	auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), *out, base);
	return ec == std::errc() && end == word.data() + word.size() && !word.empty();
}

std::optional<std::vector<uint8_t>> hex_bytes(std::string_view word)
{
	if (word.size() % 2 || word.empty())
		return std::nullopt;
	std::vector<uint8_t> out(word.size() / 2);
	for (size_t i = 0; i < out.size(); i++) {
		const char *at = word.data() + 2 * i;
		if (std::from_chars(at, at + 2, out[i], 16).ptr != at + 2)
			return std::nullopt;
	}
	return out;
}

// The profile's lines read into facts, then checked against the declared list.
class Parser {
public:
	explicit Parser(const std::string &path) : path_(path) {}

	Result<QemuFacts> parse(std::string_view text);

private:
	Error bad(std::string why) const
	{
		return make_error(ErrorCode::corrupt, path_,
				  (line_ ? "line " + std::to_string(line_) + ": " : std::string()) +
					  why + "; not a layout profile of this vmcorefs");
	}
	Result<void> line(std::string_view text);
	Result<void> structure(const std::vector<std::string_view> &w);
	Result<void> field(const std::vector<std::string_view> &w);
	Result<void>
	symbol(const std::vector<std::string_view> &w,
	       std::map<std::string, std::optional<QemuFacts::Symbol>, std::less<>> &to);
	Result<void> complete();

	const std::string &path_;
	size_t line_ = 0;
	QemuFacts facts_;
};

template <typename Map> bool fresh(Map &map, std::string_view key)
{
	return map.find(key) == map.end();
}

Result<void> Parser::structure(const std::vector<std::string_view> &w)
{
	if (w.size() != 3 && w.size() != 4)
		return bad("a struct line is 'struct NAMES NAME SIZE' or 'struct NAMES -'");
	if (!fresh(facts_.structs, w[1]))
		return bad("struct " + std::string(w[1]) + " twice");
	if (w.size() == 3) {
		if (w[2] != "-")
			return bad("a struct line is 'struct NAMES NAME SIZE' or 'struct NAMES -'");
		facts_.structs.emplace(w[1], std::nullopt);
		return {};
	}
	QemuFacts::Struct s{std::string(w[2]), 0, {}};
	if (!number(w[3], &s.size))
		return bad("struct " + std::string(w[1]) + " has no size");
	facts_.structs.emplace(w[1], std::move(s));
	return {};
}

Result<void> Parser::field(const std::vector<std::string_view> &w)
{
	if (w.size() != 4 && w.size() != 7)
		return bad("a field line is 'field STRUCT NAMES OFFSET SIZE STRIDE PATH' or "
			   "'field STRUCT NAMES -'");
	auto s = facts_.structs.find(w[1]);
	if (s == facts_.structs.end() || !s->second)
		return bad("a field of struct " + std::string(w[1]) + ", which comes before it " +
			   "or is absent");
	auto &fields = s->second->fields;
	if (!fresh(fields, w[2]))
		return bad("field " + std::string(w[1]) + "." + std::string(w[2]) + " twice");
	if (w.size() == 4) {
		if (w[3] != "-")
			return bad("a field line ends in '-' or has five values");
		fields.emplace(w[2], std::nullopt);
		return {};
	}
	Field f{0, 0, 0, std::string(w[6])};
	uint64_t end;
	if (!number(w[3], &f.offset) || !number(w[4], &f.size) || !number(w[5], &f.stride) ||
	    __builtin_add_overflow(f.offset, f.size, &end) || end > s->second->size ||
	    f.stride > f.size)
		return bad("field " + std::string(w[1]) + "." + std::string(w[2]) +
			   " does not lie inside its struct");
	fields.emplace(w[2], std::move(f));
	return {};
}

Result<void>
Parser::symbol(const std::vector<std::string_view> &w,
	       std::map<std::string, std::optional<QemuFacts::Symbol>, std::less<>> &to)
{
	if (!fresh(to, w[1]))
		return bad(std::string(w[0]) + " " + std::string(w[1]) + " twice");
	if (w.size() == 3 && w[2] == "-") {
		to.emplace(w[1], std::nullopt);
		return {};
	}
	QemuFacts::Symbol s{std::string(w.size() > 2 ? w[2] : ""), 0};
	if (w.size() != 4 || !w[3].starts_with("0x") || !number(w[3], &s.offset))
		return bad("a " + std::string(w[0]) + " line is '" + std::string(w[0]) +
			   " NAMES NAME 0xOFFSET' or '" + std::string(w[0]) + " NAMES -'");
	to.emplace(w[1], std::move(s));
	return {};
}

Result<void> Parser::line(std::string_view text)
{
	if (text.starts_with('#'))
		return {};
	if (text.starts_with("qemu-version ")) {
		facts_.qemu_version = text.substr(strlen("qemu-version "));
		return {};
	}
	auto w = words(text);
	if (w.empty())
		return {};
	if (w[0] == "build-id" && w.size() == 2) {
		auto id = hex_bytes(w[1]);
		if (!id)
			return bad("the build-id is not hexadecimal");
		facts_.build_id = *id;
		return {};
	}
	if (w[0] == "struct")
		return structure(w);
	if (w[0] == "field")
		return field(w);
	if (w[0] == "enumerator" && w.size() == 3) {
		if (!fresh(facts_.enumerators, w[1]))
			return bad("enumerator " + std::string(w[1]) + " twice");
		int64_t value = 0;
		if (w[2] != "-" && !number(w[2], &value))
			return bad("enumerator " + std::string(w[1]) + " has no value");
		facts_.enumerators.emplace(w[1], w[2] == "-" ? std::nullopt : std::optional(value));
		return {};
	}
	if ((w[0] == "global" || w[0] == "global-prefix") && w.size() >= 2)
		return symbol(w, w[0] == "global" ? facts_.globals : facts_.global_prefixes);
	return bad("'" + std::string(w[0]) + "' is not a line of a layout profile");
}

// Every declared fact answered: a profile of another vmcorefs may lack one, and a walk must
// never meet a question its profile cannot answer. Lines for facts not declared are ignored.
Result<void> Parser::complete()
{
	line_ = 0; // what is missing is on no line
	const DeclaredFacts &declared = declared_facts();
	if (facts_.build_id.empty())
		return bad("no build-id");
	for (const DeclaredStruct &d : declared.structs) {
		auto s = facts_.structs.find(d.names);
		if (s == facts_.structs.end())
			return bad("no line for struct " + std::string(d.names));
		if (s->second)
			for (std::string_view f : d.fields)
				if (fresh(s->second->fields, f))
					return bad("no line for field " + std::string(d.names) +
						   "." + std::string(f));
	}
	for (std::string_view e : declared.enumerators)
		if (fresh(facts_.enumerators, e))
			return bad("no line for enumerator " + std::string(e));
	for (std::string_view g : declared.globals)
		if (fresh(facts_.globals, g))
			return bad("no line for global " + std::string(g));
	for (std::string_view g : declared.global_prefixes)
		if (fresh(facts_.global_prefixes, g))
			return bad("no line for global-prefix " + std::string(g));
	return {};
}

Result<QemuFacts> Parser::parse(std::string_view text)
{
	size_t end = text.find('\n');
	if (text.substr(0, end) != magic)
		return bad("the first line is not '" + std::string(magic) + "'");
	while (end != text.npos) {
		size_t start = end + 1;
		end = text.find('\n', start);
		line_++;
		VMCOREFS_TRY(line(text.substr(start, end == text.npos ? text.npos : end - start)));
	}
	VMCOREFS_TRY(complete());
	return std::move(facts_);
}

} // namespace

std::string format_profile(const QemuFacts &facts)
{
	std::ostringstream out;
	out << magic << '\n';
	out << "build-id " << build_id_hex(facts.build_id) << '\n';
	out << "qemu-version " << facts.qemu_version << '\n';
	for (const auto &[key, s] : facts.structs) {
		if (!s) {
			out << "struct " << key << " -\n";
			continue;
		}
		out << "struct " << key << ' ' << s->name << ' ' << s->size << '\n';
		for (const auto &[names, f] : s->fields) {
			out << "field " << key << ' ' << names;
			if (f)
				out << ' ' << f->offset << ' ' << f->size << ' ' << f->stride << ' '
				    << f->path << '\n';
			else
				out << " -\n";
		}
	}
	for (const auto &[name, value] : facts.enumerators) {
		out << "enumerator " << name << ' ';
		if (value)
			out << *value << '\n';
		else
			out << "-\n";
	}
	for (const auto &[key, symbol] : facts.globals)
		put_symbol(out, "global", key, symbol);
	for (const auto &[key, symbol] : facts.global_prefixes)
		put_symbol(out, "global-prefix", key, symbol);
	return out.str();
}

Result<QemuFacts> parse_profile(std::string_view text, const std::string &path)
{
	return Parser(path).parse(text);
}

Result<QemuFacts> read_profile(const std::string &path)
{
	auto fd = open_regular_file(path);
	if (!fd)
		return fd.take_error();
	return read_profile(fd->get(), path);
}

Result<QemuFacts> read_profile(int fd, const std::string &path)
{
	std::string text(max_profile_bytes + 1, '\0');
	size_t got = 0;
	while (got < text.size()) {
		ssize_t n = read(fd, text.data() + got, text.size() - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return make_io_error(path, "cannot read", errno);
		if (n == 0)
			break;
		got += size_t(n);
	}
	if (got > max_profile_bytes)
		return make_error(ErrorCode::corrupt, path,
				  "larger than a MiB; not a layout profile of this vmcorefs");
	text.resize(got);
	return parse_profile(text, path);
}

} // namespace vmcorefs
