#include "qemu/qom_type.h"

namespace vmcorefs {
namespace {

// QOM hierarchies are a handful of levels deep; a longer chain loops.
constexpr int max_type_depth = 64;
// QOM type names are short identifiers; a longer one is not a name.
constexpr size_t max_type_name = 256;

struct TypeFields {
	Field object_class, class_type, type_name, parent_type, instance_size;
};

Result<TypeFields> look_up_fields(const StructReader &r)
{
	auto object_layout = r.layout("Object");
	auto class_layout = r.layout("ObjectClass");
	auto type_layout = r.layout("TypeImpl");
	for (auto *l : {&object_layout, &class_layout, &type_layout})
		if (!*l)
			return l->take_error();
	TypeFields f;
	VMCOREFS_TRY(object_layout->fields({{"class", &f.object_class}}));
	VMCOREFS_TRY(class_layout->fields({{"type", &f.class_type}}));
	VMCOREFS_TRY(type_layout->fields({{"name", &f.type_name},
					  {"parent_type", &f.parent_type},
					  {"instance_size", &f.instance_size}}));
	return f;
}

// The object's TypeImpl.
Result<uint64_t> type_of(const StructReader &r, const TypeFields &f, uint64_t object)
{
	auto klass = r.read_uint(object, f.object_class);
	if (!klass)
		return klass.take_error();
	return r.read_uint(*klass, f.class_type);
}

} // namespace

Result<std::string> qom_type_name(const StructReader &r, uint64_t object)
{
	auto f = look_up_fields(r);
	if (!f)
		return f.take_error();
	auto type = type_of(r, *f, object);
	if (!type)
		return type.take_error();
	return r.read_string_pointer(*type, f->type_name, max_type_name);
}

Result<uint64_t> qom_instance_size(const StructReader &r, uint64_t object)
{
	auto f = look_up_fields(r);
	if (!f)
		return f.take_error();
	auto type = type_of(r, *f, object);
	if (!type)
		return type.take_error();
	return r.read_uint(*type, f->instance_size);
}

Result<bool> qom_object_is_a(const StructReader &r, uint64_t object, std::string_view wanted)
{
	auto f = look_up_fields(r);
	if (!f)
		return f.take_error();
	auto type = type_of(r, *f, object);
	for (int depth = 0; type && *type != 0 && depth < max_type_depth; depth++) {
		auto name = r.read_string_pointer(*type, f->type_name, max_type_name);
		if (!name)
			return name.take_error();
		if (*name == wanted)
			return true;
		type = r.read_uint(*type, f->parent_type);
	}
	if (!type)
		return type.take_error();
	return false;
}

} // namespace vmcorefs
