// libFuzzer target for the core parser: any bytes as a process core. ProcessCore::open must
// accept or reject them with an Error, never crash; an accepted core must then keep its promises,
// checked here as invariants (a failed check is a finding, via __builtin_trap):
// - translate() returns pieces in address order that tile the asked range exactly;
// - a present piece lies inside the file, and read() of it returns exactly those file bytes;
// - read() fails exactly where translate() says absent.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <elf.h>
#include <vector>

#include "memfd_file.h"
#include "source/process_core.h"

using namespace vmcorefs;

namespace {

void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

// Reads never copy more than this per piece: the parser is under test, not memcpy.
constexpr uint64_t max_read = 4096;

void check_range(const ProcessCore &core, uint64_t vaddr, uint64_t length)
{
	uint64_t end = vaddr + length < vaddr ? UINT64_MAX : vaddr + length;
	uint64_t cursor = vaddr;
	std::vector<uint8_t> buf;
	auto bytes = core.source().bytes();
	for (const CorePiece &piece : core.translate(vaddr, length)) {
		check(piece.vaddr == cursor && piece.length > 0 && piece.length <= end - cursor);
		cursor += piece.length;
		uint64_t n = std::min(piece.length, max_read);
		buf.resize(n);
		auto read = core.read(piece.vaddr, buf.data(), n);
		check(read.ok() == piece.present());
		if (!piece.present()) {
			check(read.error().code == ErrorCode::absent &&
			      read.error().at == piece.vaddr);
			continue;
		}
		check(*piece.file_offset <= bytes.size() &&
		      piece.length <= bytes.size() - *piece.file_offset);
		check(std::memcmp(buf.data(), bytes.data() + *piece.file_offset, n) == 0);
	}
	check(cursor == end);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz::MemfdFile file({data, size});
	auto opened = ProcessCore::open(file.path());
	if (!opened) {
		check(!opened.error().to_string().empty());
		return 0;
	}
	const ProcessCore &core = **opened;
	check_range(core, 0, UINT64_MAX);
	for (const CoreSegment &s : core.segments()) {
		check(s.present <= s.filesz && s.filesz <= s.memsz);
		check_range(core, s.vaddr > 0 ? s.vaddr - 1 : 0,
			    std::min<uint64_t>(s.memsz, 64) + 2);
		check_range(core, s.vaddr + s.memsz - std::min<uint64_t>(s.memsz, 64), 65);
		(void)core.read_u64(s.vaddr + s.memsz - 4); // across the end of the segment
		(void)core.read_string(s.vaddr, 64);
	}
	for (const FileMapping &m : core.file_mappings())
		check(m.start <= m.end);
	for (uint64_t type : {AT_PHDR, AT_ENTRY, AT_PHNUM})
		(void)core.auxv(type);
	return 0;
}
