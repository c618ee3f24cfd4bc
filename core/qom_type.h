// The QOM type name of an object in QEMU's memory: Object.class->type->name, e.g. "virtio-mem"
// or "pc-i440fx-7.2-machine". QOM casts, to an interface as much as to a parent class, never move
// the pointer, so an interface pointer (a RamDiscardManager *) is the object's address too.
#pragma once

#include <cstdint>
#include <string>

#include "qemu_reader.h"

namespace vmcorefs {

Result<std::string> qom_type_name(const StructReader &reader, uint64_t object);

} // namespace vmcorefs
