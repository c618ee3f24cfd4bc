#include "compiled_dwarf.h"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <unistd.h>

namespace vmcorefs::test {

CompiledDwarf::CompiledDwarf(const std::string &source)
{
	std::ofstream(dir_.file("q.c")) << source;
	std::string binary = dir_.file("q");
	std::string command = std::string(VMCOREFS_TEST_CC) + " -g -O0 -o " + binary + " " +
			      dir_.file("q.c") + " 2>/dev/null";
	if (std::system(command.c_str()) != 0) {
		error_ = std::string("cannot compile with ") + VMCOREFS_TEST_CC;
		return;
	}
	fd_ = open(binary.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd_ < 0) {
		error_ = "cannot open " + binary;
		return;
	}
	dwarf_ = dwarf_begin(fd_, DWARF_C_READ);
	if (!dwarf_)
		error_ = dwarf_errmsg(-1);
}

CompiledDwarf::~CompiledDwarf()
{
	if (dwarf_)
		dwarf_end(dwarf_);
	if (fd_ >= 0)
		close(fd_);
}

} // namespace vmcorefs::test
