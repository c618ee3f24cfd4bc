#include "facts/qemu_facts.h"

#include <algorithm>

namespace vmcorefs {
namespace {

Error undeclared(std::string_view what)
{
	return make_error(ErrorCode::bad_structure, "",
			  "vmcorefs looks up " + std::string(what) +
				  ", which its list of QEMU facts does not declare (a bug)");
}

Error no_field(std::string_view spelled, const std::string &in)
{
	return make_error(ErrorCode::bad_structure, "",
			  "QEMU's debug info has no field " + std::string(spelled) + " in struct " +
				  in);
}

Error no_struct(std::string_view spelled)
{
	return make_error(ErrorCode::bad_structure, "",
			  "QEMU's debug info has no struct " + std::string(spelled));
}

} // namespace

std::string join_names(std::initializer_list<std::string_view> names, std::string_view separator)
{
	std::string all;
	for (auto name : names)
		all += (all.empty() ? "" : std::string(separator)) + std::string(name);
	return all;
}

void QemuFacts::note_match(const std::string &line) const
{
	if (std::find(matched_.begin(), matched_.end(), line) == matched_.end())
		matched_.push_back(line);
}

Result<std::optional<Field>> StructLayout::answer(const std::string &key) const
{
	auto it = fields_->find(key);
	if (it == fields_->end())
		return undeclared("field " + key_ + "." + key);
	return it->second;
}

Result<Field> StructLayout::field(std::string_view path) const
{
	auto f = answer(std::string(path));
	if (!f)
		return f.take_error();
	if (!*f)
		return no_field(path, name_);
	return **f;
}

Result<Field> StructLayout::field(std::initializer_list<std::string_view> paths) const
{
	std::string key = join_names(paths, "|");
	auto f = answer(key);
	if (!f)
		return f.take_error();
	facts_->note_match("field " + name_ + "." + key + ": " + (*f ? (*f)->path : "none"));
	if (!*f)
		return no_field(join_names(paths, " or "), name_);
	return **f;
}

Result<void> StructLayout::fields(std::initializer_list<Request> requests) const
{
	for (const Request &r : requests) {
		auto f = field(r.path);
		if (!f)
			return f.take_error();
		*r.out = std::move(*f);
	}
	return {};
}

Result<StructLayout> QemuFacts::find_struct(std::string_view name) const
{
	auto it = structs.find(name);
	if (it == structs.end())
		return undeclared("struct " + std::string(name));
	if (!it->second)
		return no_struct(name);
	return StructLayout(it->first, it->second->name, it->second->size, it->second->fields,
			    this);
}

Result<StructLayout> QemuFacts::find_struct(std::initializer_list<std::string_view> names) const
{
	std::string key = join_names(names, "|");
	auto it = structs.find(key);
	if (it == structs.end())
		return undeclared("struct " + key);
	note_match("struct " + key + ": " + (it->second ? it->second->name : "none"));
	if (!it->second)
		return no_struct(join_names(names, " or "));
	return StructLayout(it->first, it->second->name, it->second->size, it->second->fields,
			    this);
}

Result<int64_t> QemuFacts::enumerator(std::string_view name) const
{
	auto it = enumerators.find(name);
	if (it == enumerators.end())
		return undeclared("enumerator " + std::string(name));
	if (!it->second)
		return make_error(ErrorCode::bad_structure, "",
				  "QEMU's debug info has no enumerator " + std::string(name));
	return *it->second;
}

Result<QemuFacts::Symbol> QemuFacts::global(std::initializer_list<std::string_view> names) const
{
	std::string key = join_names(names, "|");
	auto it = globals.find(key);
	if (it == globals.end())
		return undeclared("global " + key);
	if (names.size() > 1)
		note_match("global " + key + ": " + (it->second ? it->second->name : "none"));
	if (!it->second)
		return make_error(ErrorCode::not_qemu, "",
				  "QEMU's executable has no symbol " + key +
					  "; is this a core of a QEMU system emulator?");
	return *it->second;
}

Result<std::optional<QemuFacts::Symbol>>
QemuFacts::global_with_prefix(std::string_view prefix) const
{
	auto it = global_prefixes.find(prefix);
	if (it == global_prefixes.end())
		return undeclared("global " + std::string(prefix) + "*");
	return it->second;
}

} // namespace vmcorefs
