// The QOM type of an object in QEMU's memory: Object.class->type, whose name is e.g.
// "virtio-mem" or "pc-i440fx-7.2-machine" and whose parent_type chain leads to "object". QOM
// casts, to an interface as much as to a parent class, never move the pointer, so an interface
// pointer (a RamDiscardManager *) is the object's address too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "qemu/qemu_reader.h"

namespace vmcorefs {

Result<std::string> qom_type_name(const StructReader &reader, uint64_t object);

// Whether the object is a `type`: its own type or one of its ancestors is named so. Checks that a
// pointer QEMU keeps really points at such an object (a MemoryRegion, say) before trusting what
// it reads there.
Result<bool> qom_object_is_a(const StructReader &reader, uint64_t object, std::string_view type);

// The size QOM allocates for the object: its type's instance_size (inherited from the parent when
// the type gives none), sizeof the C struct of the object's type as QEMU was built.
Result<uint64_t> qom_instance_size(const StructReader &reader, uint64_t object);

} // namespace vmcorefs
