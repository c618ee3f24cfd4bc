#include "facts/executable_symbols.h"

#include <gelf.h>

#include "base/regular_file.h"
#include "facts/debug_info.h"
#include "facts/qemu_banner.h"

namespace vmcorefs {
namespace {

void read_dynamic_data(Elf *elf, std::map<std::string, uint64_t, std::less<>> &out)
{
	for (Elf_Scn *scn = nullptr; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr shdr;
		Elf_Data *data;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNSYM || !shdr.sh_entsize ||
		    !(data = elf_getdata(scn, nullptr)))
			continue;
		size_t count = data->d_size / shdr.sh_entsize;
		for (size_t i = 0; i < count; i++) {
			GElf_Sym sym;
			const char *name;
			if (!gelf_getsym(data, static_cast<int>(i), &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_OBJECT || sym.st_shndx == SHN_UNDEF ||
			    !(name = elf_strptr(elf, shdr.sh_link, sym.st_name)) || !*name)
				continue;
			out.emplace(name, sym.st_value);
		}
	}
}

} // namespace

Result<ExecutableSymbols> read_executable_symbols(const std::string &path)
{
	auto fd = open_regular_file(path);
	if (!fd)
		return fd.take_error();
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd->get(), ELF_C_READ_MMAP, nullptr);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		return make_error(ErrorCode::corrupt, path, "not an ELF file");
	}
	ExecutableSymbols out;
	out.build_id = elf_build_id(elf);
	out.qemu_version = qemu_version_of(elf);
	read_dynamic_data(elf, out.data);
	elf_end(elf);
	return out;
}

} // namespace vmcorefs
