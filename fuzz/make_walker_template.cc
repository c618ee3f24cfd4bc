// Makes the fixed part and the seed of the QEMU walker fuzzer from a real QEMU process core.
//
// The walker needs QEMU's DWARF, which no fuzz input can carry; so the fuzzer keeps one real QEMU
// executable and fuzzes the *memory* its structures live in. This tool cuts that memory out of a
// real core: it walks the real core with vmcorefs's own walker (walk_guest) and records every
// range of the core file the walk reads (soft reads included, such as the machine type). A small
// core holding those ranges
// in 64-byte chunks at their real addresses, plus the executable's ELF-header page (build-id) and
// the first chunk of each guest RAM block, must walk to the same blocks, RAM blocks, notes and
// identity as the real core; then every chunk whose removal keeps that so is dropped (bisecting
// each page). The result, laid out as ELF header, program headers (one PT_LOAD per run of chunks),
// the real core's notes, then the chunks' bytes:
//
//   OUTDIR/template.core   the small core; the fuzzer keeps everything before its data fixed
//   OUTDIR/seeds/data      its data: the fuzz input the fuzzer's mutations start from
//   OUTDIR/executable      a symlink to the QEMU executable whose DWARF describes it all
//
// Usage: vmcorefs_fuzz_walker_template CORE QEMU_EXECUTABLE OUTDIR
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <elf.h>
#include <filesystem>
#include <fstream>
#include <gelf.h>
#include <map>
#include <set>
#include <sys/syscall.h>
#include <unistd.h>

#include "facts/debug_info.h"
#include "facts/dwarf_facts.h"
#include "load/guest_loader.h"
#include "memfd_file.h"

using namespace vmcorefs;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr uint64_t chunk_size = 64;

[[noreturn]] void die(const std::string &message)
{
	std::fprintf(stderr, "vmcorefs_fuzz_walker_template: %s\n", message.c_str());
	std::exit(1);
}

class Template {
public:
	explicit Template(const ProcessCore &real) : real_(real) { copy_notes(); }

	// Adds every chunk of [address, address + length) that the real core holds; pinned chunks
	// are never removed.
	void add(uint64_t address, uint64_t length, bool pinned = false)
	{
		for (uint64_t c = address & ~(chunk_size - 1); c < address + length;
		     c += chunk_size) {
			Bytes bytes(chunk_size);
			if (!chunks_.count(c) && real_.read(c, bytes.data(), chunk_size))
				chunks_.emplace(c, std::move(bytes));
			if (pinned && chunks_.count(c))
				pinned_.insert(c);
		}
	}
	std::vector<uint64_t> removable() const
	{
		std::vector<uint64_t> out;
		for (const auto &[address, bytes] : chunks_)
			if (!pinned_.count(address))
				out.push_back(address);
		return out;
	}
	Bytes take(uint64_t address)
	{
		Bytes bytes = std::move(chunks_.at(address));
		chunks_.erase(address);
		return bytes;
	}
	void put(uint64_t address, Bytes bytes) { chunks_.emplace(address, std::move(bytes)); }

	// The small core; *data_offset: where the chunks' bytes start.
	Bytes build(uint64_t *data_offset) const
	{
		std::vector<std::pair<uint64_t, uint64_t>> runs; // [start, end)
		for (const auto &[address, bytes] : chunks_)
			if (!runs.empty() && runs.back().second == address)
				runs.back().second += chunk_size;
			else
				runs.emplace_back(address, address + chunk_size);
		uint64_t phnum = 1 + runs.size();
		uint64_t notes_offset = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
		uint64_t offset = (notes_offset + notes_.size() + 7) & ~uint64_t{7};
		*data_offset = offset;

		Elf64_Ehdr ehdr{};
		std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
		ehdr.e_ident[EI_CLASS] = ELFCLASS64;
		ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
		ehdr.e_ident[EI_VERSION] = EV_CURRENT;
		ehdr.e_type = ET_CORE;
		ehdr.e_machine = EM_X86_64;
		ehdr.e_version = EV_CURRENT;
		ehdr.e_phoff = sizeof ehdr;
		ehdr.e_ehsize = sizeof ehdr;
		ehdr.e_phentsize = sizeof(Elf64_Phdr);
		if (phnum >= PN_XNUM)
			die("too many runs of chunks");
		ehdr.e_phnum = static_cast<uint16_t>(phnum);
		std::vector<Elf64_Phdr> phdrs;
		phdrs.push_back({PT_NOTE, 0, notes_offset, 0, 0, notes_.size(), 0, 4});
		Bytes data;
		for (auto [start, end] : runs) {
			phdrs.push_back({PT_LOAD, flags_at(start), offset + data.size(), start, 0,
					 end - start, end - start, 1});
			for (uint64_t c = start; c < end; c += chunk_size)
				data.insert(data.end(), chunks_.at(c).begin(), chunks_.at(c).end());
		}
		Bytes out(reinterpret_cast<const uint8_t *>(&ehdr),
			  reinterpret_cast<const uint8_t *>(&ehdr + 1));
		out.insert(out.end(), reinterpret_cast<const uint8_t *>(phdrs.data()),
			   reinterpret_cast<const uint8_t *>(phdrs.data() + phdrs.size()));
		out.insert(out.end(), notes_.begin(), notes_.end());
		out.resize(offset);
		out.insert(out.end(), data.begin(), data.end());
		return out;
	}

	size_t chunks() const { return chunks_.size(); }

private:
	// All of the real core's notes, as they are: the fuzzer's DebugInfo and ProcessCore read
	// the executable's path, load bias and build-id from them.
	void copy_notes()
	{
		size_t phnum;
		if (elf_getphdrnum(real_.elf(), &phnum) != 0)
			die("cannot count the real core's program headers");
		for (size_t i = 0; i < phnum; i++) {
			GElf_Phdr phdr;
			if (gelf_getphdr(real_.elf(), static_cast<int>(i), &phdr) &&
			    phdr.p_type == PT_NOTE) {
				auto bytes = real_.source().bytes().subspan(phdr.p_offset,
									    phdr.p_filesz);
				auto *p = reinterpret_cast<const uint8_t *>(bytes.data());
				notes_.insert(notes_.end(), p, p + bytes.size());
			}
		}
	}

	uint32_t flags_at(uint64_t address) const
	{
		for (const CoreSegment &s : real_.segments())
			if (s.vaddr <= address && address - s.vaddr < s.memsz)
				return s.flags;
		return PF_R | PF_W;
	}

	const ProcessCore &real_;
	Bytes notes_;
	std::map<uint64_t, Bytes> chunks_;
	std::set<uint64_t> pinned_;
};

// The ranges of the real core's file that one walk reads. core/ reads a core only with pread
// (MappedFile::read), so this program's own pread, which the static core library's calls bind
// to, sees every one of them; it records those made on the traced descriptor.
struct Trace {
	int fd = -1;
	std::vector<std::pair<uint64_t, uint64_t>> reads; // [offset, end) in the file
};
Trace trace;

} // namespace

extern "C" ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
	long n = syscall(SYS_pread64, fd, buf, count, offset);
	if (fd == trace.fd && n > 0)
		trace.reads.emplace_back(offset, offset + n);
	return n;
}

namespace {

// The host ranges [vaddr, end) whose bytes in the real core the walk read.
std::vector<std::pair<uint64_t, uint64_t>> traced_walk(const ProcessCore &real,
						       const QemuFacts &facts, uint64_t load_bias)
{
	trace.fd = real.source().fd();
	trace.reads.clear();
	auto walked = walk_guest(real, facts, load_bias);
	trace.fd = -1;
	if (!walked)
		die("the real core does not walk: " + walked.error().to_string());
	if (trace.reads.empty())
		die("the walk read nothing through pread: is the tracing pread still the one called?");
	std::vector<std::pair<uint64_t, uint64_t>> ranges;
	for (auto [offset, end] : trace.reads)
		for (const CoreSegment &s : real.segments())
			if (offset < s.offset + s.present && s.offset < end) {
				uint64_t from = std::max(offset, s.offset),
					 to = std::min(end, s.offset + s.present);
				ranges.emplace_back(s.vaddr + (from - s.offset),
						    s.vaddr + (to - s.offset));
			}
	return ranges;
}

// What differs between two walks, or "" when nothing the fuzzer cares about does.
std::string walk_difference(const GuestMemoryMap &a, const GuestMemoryMap &b)
{
	auto blocks = [](const GuestMemoryMap &m) {
		std::vector<std::tuple<uint64_t, uint64_t, uint64_t>> out;
		for (const GuestBlock &x : m.blocks)
			out.emplace_back(x.start, x.end, x.host);
		return out;
	};
	auto ramblocks = [](const GuestMemoryMap &m) {
		std::vector<std::tuple<std::string, uint64_t, uint64_t>> out;
		for (const RamBlockInfo &x : m.ramblocks)
			out.emplace_back(x.idstr, x.host, x.used_length);
		return out;
	};
	if (blocks(a) != blocks(b))
		return "guest blocks";
	if (ramblocks(a) != ramblocks(b))
		return "RAM blocks";
	if (a.notes != b.notes)
		return "notes (" + std::to_string(a.notes.size()) + " and " +
		       std::to_string(b.notes.size()) + " bytes; VMCOREINFO from '" +
		       a.vmcoreinfo_source + "' and '" + b.vmcoreinfo_source + "')";
	if (a.qemu_version != b.qemu_version || a.machine != b.machine ||
	    a.accelerator != b.accelerator)
		return "QEMU version, machine or accelerator";
	return "";
}

void write_file(const std::string &path, const uint8_t *data, size_t size)
{
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	out.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
	if (!out.flush())
		die("cannot write " + path);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 4)
		die("usage: vmcorefs_fuzz_walker_template CORE QEMU_EXECUTABLE OUTDIR");
	std::string outdir = argv[3];
	auto real = ProcessCore::open(argv[1]);
	if (!real)
		die(real.error().to_string());
	LoadOptions options;
	options.core_path = argv[1];
	options.executable = std::filesystem::absolute(argv[2]).string();
	auto debug = DebugInfo::open(**real, options);
	if (!debug)
		die(debug.error().to_string());
	QemuFacts facts = facts_from_debug_info(**debug);
	uint64_t load_bias = (*debug)->load_bias();
	auto want = walk_guest(**real, facts, load_bias);
	if (!want)
		die("the real core does not walk: " + want.error().to_string());

	Template t(**real);
	if (auto bias = (*real)->load_bias())
		t.add(*bias, 4096, true); // the ELF header, program headers and build-id note
	for (const GuestBlock &b : want->blocks)
		t.add(b.host, chunk_size, true); // guest RAM: segments for the layout and file tree
	for (auto [start, end] : traced_walk(**real, facts, load_bias))
		t.add(start, end - start);

	// Empty when the template walks to what the real core gives, else what differs.
	uint64_t data_offset = 0;
	auto difference = [&]() -> std::string {
		Bytes bytes = t.build(&data_offset);
		fuzz::MemfdFile file(bytes);
		auto small = ProcessCore::open(file.path());
		if (!small)
			return "headers (" + small.error().to_string() + ")";
		auto got = walk_guest(**small, facts, load_bias);
		return got ? walk_difference(*got, *want)
			   : "walk (" + got.error().to_string() + ")";
	};
	if (std::string d = difference(); !d.empty())
		die("the traced pages do not reproduce the real core's " + d);
	// Drop what the walk does not need: a whole page's chunks at once, else each half.
	std::vector<uint64_t> all = t.removable();
	size_t walks = 0;
	auto minimize = [&](auto &self, size_t from, size_t to) -> void {
		std::vector<std::pair<uint64_t, Bytes>> taken;
		for (size_t i = from; i < to; i++)
			taken.emplace_back(all[i], t.take(all[i]));
		walks++;
		if (difference().empty())
			return;
		for (auto &[address, bytes] : taken)
			t.put(address, std::move(bytes));
		if (to - from > 1) {
			self(self, from, from + (to - from) / 2);
			self(self, from + (to - from) / 2, to);
		}
	};
	for (size_t page = 0; page < all.size();) {
		size_t end = page + 1;
		while (end < all.size() && all[end] / 4096 == all[page] / 4096)
			end++;
		minimize(minimize, page, end);
		page = end;
	}
	if (std::string d = difference(); !d.empty())
		die("the minimised template gives another " + d);
	Bytes bytes = t.build(&data_offset);
	std::printf("template: %zu traced chunks, %zu kept after %zu walks\n", all.size(),
		    t.chunks(), walks);

	std::filesystem::create_directories(outdir + "/seeds");
	write_file(outdir + "/template.core", bytes.data(), bytes.size());
	write_file(outdir + "/seeds/data", bytes.data() + data_offset, bytes.size() - data_offset);
	std::filesystem::remove(outdir + "/executable");
	std::filesystem::create_symlink(options.executable, outdir + "/executable");
	std::printf("template: %zu bytes, data from %#llx\n", bytes.size(),
		    static_cast<unsigned long long>(data_offset));
	return 0;
}
