#include "qom_type.h"

namespace vmcorefs {

Result<std::string> qom_type_name(const StructReader &r, uint64_t object)
{
	auto object_layout = r.layout("Object");
	auto class_layout = r.layout("ObjectClass");
	auto type_layout = r.layout("TypeImpl");
	for (auto *l : {&object_layout, &class_layout, &type_layout})
		if (!*l)
			return l->take_error();
	auto class_field = object_layout->field("class");
	auto type_field = class_layout->field("type");
	auto name_field = type_layout->field("name");
	for (auto *f : {&class_field, &type_field, &name_field})
		if (!*f)
			return f->take_error();
	auto klass = r.read_uint(object, *class_field);
	if (!klass)
		return klass.take_error();
	auto type = r.read_uint(*klass, *type_field);
	if (!type)
		return type.take_error();
	// QOM type names are short identifiers; a longer one is not a name.
	return r.read_string_pointer(*type, *name_field, 256);
}

} // namespace vmcorefs
