#include "facts/qemu_banner.h"

#include <cstring>
#include <gelf.h>

namespace vmcorefs {

// softmmu/vl.c prints "QEMU emulator version " QEMU_FULL_VERSION "\n" for --version; the
// literal sits whole in .rodata, which is the one place the version is recorded.
std::string qemu_version_of(Elf *elf)
{
	static const char banner[] = "QEMU emulator version ";
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return {};
	for (Elf_Scn *scn = nullptr; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr shdr;
		const char *name;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS ||
		    !(name = elf_strptr(elf, shstrndx, shdr.sh_name)) || strcmp(name, ".rodata"))
			continue;
		Elf_Data *data = elf_getdata(scn, nullptr);
		if (!data || !data->d_buf)
			return {};
		const char *base = static_cast<const char *>(data->d_buf);
		const char *hit = static_cast<const char *>(
			memmem(base, data->d_size, banner, sizeof banner - 1));
		if (!hit)
			return {};
		const char *start = hit + sizeof banner - 1;
		const char *end = start;
		while (end < base + data->d_size && *end && *end != '\n')
			end++;
		return std::string(start, end);
	}
	return {};
}

} // namespace vmcorefs
