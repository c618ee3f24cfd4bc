// QEMU's version as its executable records it, for the facts of a build and for errors that
// name the build a user has.
#pragma once

#include <libelf.h>
#include <string>

namespace vmcorefs {

// The version QEMU prints for --version ("7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"), read from
// the executable's .rodata: works on a stripped binary. Empty when it is not there.
std::string qemu_version_of(Elf *elf);

} // namespace vmcorefs
