#include "vmcore/vmcore_compare.h"

#include <algorithm>
#include <cinttypes>
#include <elf.h>
#include <xxhash.h>

#include "base/string_format.h"
#include "vmcore/note_diff.h"

namespace vmcorefs {
namespace {

constexpr uint64_t page_size = 4096;

// An alias load shows physical memory that an identity load (p_vaddr == p_paddr) of the same
// vmcore already holds, at another virtual address: the kernel-text segment vmcorefs adds. It
// is no physical memory of its own, in ours or in a reference that is a vmcore vmcorefs wrote.
bool is_alias(const VmcoreView &v, const VmcoreLoad &load)
{
	if (load.vaddr == load.paddr)
		return false;
	return std::any_of(v.loads().begin(), v.loads().end(), [&](const VmcoreLoad &l) {
		return l.vaddr == l.paddr && load.paddr >= l.paddr &&
		       load.paddr - l.paddr + load.filesz <= l.filesz;
	});
}

// The PT_LOADs that hold physical memory, in file order.
std::vector<VmcoreLoad> physical_loads(const VmcoreView &v)
{
	std::vector<VmcoreLoad> out;
	for (const auto &l : v.loads())
		if (!is_alias(v, l))
			out.push_back(l);
	return out;
}

std::string describe(const std::vector<VmcoreLoad> &loads)
{
	std::string s;
	for (const auto &l : loads)
		s += format(" 0x%" PRIx64 "+0x%" PRIx64, l.paddr, l.filesz);
	return s.empty() ? " (none)" : s;
}

// The file offset in v of physical address paddr, if some load holds it whole page.
std::optional<uint64_t> locate(const std::vector<VmcoreLoad> &loads, uint64_t paddr,
			       uint64_t length)
{
	for (const auto &l : loads)
		if (paddr >= l.paddr && paddr - l.paddr <= l.filesz &&
		    length <= l.filesz - (paddr - l.paddr))
			return l.offset + (paddr - l.paddr);
	return std::nullopt;
}

uint64_t page_hash(const VmcoreView &v, uint64_t offset, uint64_t length, bool *ok)
{
	std::byte buf[page_size];
	*ok = v.read(offset, buf, length).ok();
	return *ok ? XXH3_64bits(buf, length) : 0;
}

// One reference PT_LOAD against ours, page by page.
void compare_load(const VmcoreLoad &ref, const VmcoreView &reference, const VmcoreView &ours,
		  const std::vector<VmcoreLoad> &our_loads, CompareResult &result)
{
	uint64_t differing = 0, missing = 0;
	std::optional<uint64_t> first;
	for (uint64_t at = 0; at < ref.filesz; at += page_size) {
		uint64_t length = std::min(page_size, ref.filesz - at);
		auto mine = locate(our_loads, ref.paddr + at, length);
		bool ok_ref, ok_ours = false;
		uint64_t h_ref = page_hash(reference, ref.offset + at, length, &ok_ref);
		uint64_t h_ours = mine ? page_hash(ours, *mine, length, &ok_ours) : 0;
		if (ok_ref && ok_ours && h_ref == h_ours)
			continue;
		(ok_ours ? differing : missing)++;
		if (!first)
			first = ref.paddr + at;
	}
	if (!first)
		return;
	result.differences.push_back(format("memory 0x%016" PRIx64 "-0x%016" PRIx64
					    ": first differing page at 0x%" PRIx64 " (%" PRIu64
					    " pages differ, %" PRIu64 " pages missing from %s)",
					    ref.paddr, ref.paddr + ref.filesz, *first, differing,
					    missing, ours.name().c_str()));
}

void compare_memory(const VmcoreView &ours, const VmcoreView &reference, CompareResult &result)
{
	auto refs = physical_loads(reference);
	auto mine = physical_loads(ours);
	bool same_list =
		refs.size() == mine.size() &&
		std::equal(refs.begin(), refs.end(), mine.begin(), [](auto &a, auto &b) {
			return a.paddr == b.paddr && a.filesz == b.filesz && a.memsz == b.memsz;
		});
	if (!same_list)
		result.differences.push_back("PT_LOADs differ: reference" + describe(refs) +
					     "; vmcorefs" + describe(mine));
	uint64_t bytes = 0;
	for (const auto &ref : refs) {
		compare_load(ref, reference, ours, mine, result);
		bytes += ref.filesz;
	}
	result.summary.push_back(format("memory: %zu segments, %" PRIu64
					" MiB compared page by page",
					refs.size(), bytes >> 20));
}

void compare_notes(const VmcoreView &ours, const VmcoreView &reference, CompareResult &result)
{
	const auto &a = ours.notes();
	const auto &b = reference.notes();
	if (a.size() != b.size())
		result.differences.push_back(
			format("notes: vmcorefs has %zu, reference has %zu", a.size(), b.size()));
	for (size_t i = 0; i < std::min(a.size(), b.size()); i++) {
		if (a[i].name != b[i].name || a[i].type != b[i].type) {
			result.differences.push_back(
				format("note %zu: vmcorefs has %s/%u, reference has %s/%u", i,
				       a[i].name.c_str(), a[i].type, b[i].name.c_str(), b[i].type));
			continue;
		}
		for (const auto &line : diff_note_fields(a[i], b[i]))
			result.differences.push_back(
				format("note %zu (%s/%u): ", i, a[i].name.c_str(), a[i].type) +
				line);
	}
	result.summary.push_back(format("notes: %zu compared", std::min(a.size(), b.size())));
}

int class_bits(const VmcoreView &v)
{
	return v.elf_class() == ELFCLASS32 ? 32 : 64;
}

} // namespace

CompareResult compare_vmcores(const VmcoreView &ours, const VmcoreView &reference)
{
	CompareResult result;
	if (ours.elf_class() != reference.elf_class())
		result.differences.push_back(format("EI_CLASS: vmcorefs ELFCLASS%d, "
						    "reference ELFCLASS%d",
						    class_bits(ours), class_bits(reference)));
	if (ours.machine() != reference.machine())
		result.differences.push_back(format("e_machine: vmcorefs %u, reference %u",
						    ours.machine(), reference.machine()));
	result.summary.push_back(format("ELF header: ELFCLASS%d, e_machine %u",
					class_bits(reference), reference.machine()));
	compare_memory(ours, reference, result);
	compare_notes(ours, reference, result);
	return result;
}

} // namespace vmcorefs
