// Writes the seed corpus of the core parser fuzzer into DIR: small synthetic cores (tests/unit's
// CoreBuilder) that between them reach every part of ProcessCore: PT_LOADs in and out of order,
// file holes, p_filesz < p_memsz, a truncated file, PN_XNUM, and the notes it reads (NT_FILE in the
// kernel's and gcore's conventions, NT_AUXV, NT_PRPSINFO, and the executable's ELF-header page with
// its build-id). Usage: vmcorefs_fuzz_parser_seeds DIR
#include <cstdio>
#include <elf.h>
#include <filesystem>

#include "core_builder.h"

using namespace vmcorefs::test;

namespace {

constexpr uint64_t bias = 0x55df13532000;
constexpr uint64_t heap = 0x7f0000000000;

Bytes pattern(size_t size, uint8_t seed)
{
	Bytes out(size);
	for (size_t i = 0; i < size; i++)
		out[i] = static_cast<uint8_t>(seed + i * 7);
	return out;
}

// A QEMU-like process: the executable's first page (with build-id), heap, NT_FILE, auxv.
void add_process(CoreBuilder &b, uint64_t page_size)
{
	b.add_prstatus(1);
	b.add_prpsinfo("qemu-system-x86");
	b.add_load(bias, executable_page({0xd9, 0x54, 0x1f, 0xd6, 0x7c, 0x4e, 0xa3, 0x7f}), 0x2000);
	b.add_file_note({{bias, bias + 0x2000, 0, "/usr/bin/qemu-system-x86_64"},
			 {bias + 0x2000, bias + 0x3000, 0x2000, "/usr/bin/qemu-system-x86_64"}},
			page_size);
	b.add_auxv({{AT_PHDR, bias + executable_phdr_offset},
		    {AT_PHENT, sizeof(Elf64_Phdr)},
		    {AT_PHNUM, executable_phnum},
		    {AT_PAGESZ, 4096},
		    {AT_ENTRY, bias + 0x1000}});
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: vmcorefs_fuzz_parser_seeds DIR\n");
		return 2;
	}
	std::string dir = argv[1];
	std::filesystem::create_directories(dir);

	CoreBuilder kernel; // as the kernel writes it: NT_FILE in pages, a never-written mapping
	add_process(kernel, 4096);
	kernel.add_load(heap, pattern(0x1000, 1), 0x3000);
	kernel.add_load(heap + 0x3000, {}, 0x1000);
	kernel.write(dir + "/kernel.core");

	CoreBuilder gcore; // as gdb's gcore: NT_FILE in bytes, loads out of order, a file hole
	add_process(gcore, 1);
	size_t sparse = gcore.add_sparse_load(heap + 0x10000, 0x2000);
	gcore.add_load(heap, pattern(0x1000, 2));
	gcore.poke_u64(heap + 0x10000 + 0x1ff8, 0x0123456789abcdef);
	(void)sparse;
	gcore.write(dir + "/gcore.core");

	CoreBuilder truncated; // RLIMIT_CORE: the file ends inside a segment
	add_process(truncated, 4096);
	truncated.add_load(heap, pattern(0x2000, 3));
	truncated.truncate_at = truncated.file_size() - 0x1800;
	truncated.write(dir + "/truncated.core");

	CoreBuilder many; // more program headers than e_phnum holds
	many.pn_xnum = true;
	add_process(many, 4096);
	many.add_load(heap, pattern(0x100, 4));
	many.write(dir + "/pn_xnum.core");
	return 0;
}
