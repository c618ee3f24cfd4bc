#include "qemu/ramblock_walker.h"

#include <unordered_set>

namespace vmcorefs {
namespace {

// A machine has tens of RAMBlocks; a list longer than this is corrupt.
constexpr size_t max_ramblocks = 65536;
// QEMU's host is x86_64 (the core's machine): 4 KiB pages.
constexpr uint64_t host_page_size = 4096;

struct RamBlockFields {
	Field host, offset, used_length, max_length, flags, idstr, fd, next;
};

Result<RamBlockFields> look_up_fields(QemuReader &r)
{
	auto rb = r.layout("RAMBlock");
	if (!rb)
		return rb.take_error();
	RamBlockFields f;
	VMCOREFS_TRY(rb->fields({{"host", &f.host},
				 {"offset", &f.offset},
				 {"used_length", &f.used_length},
				 {"max_length", &f.max_length},
				 {"flags", &f.flags},
				 {"idstr", &f.idstr},
				 {"fd", &f.fd},
				 {"next.le_next", &f.next}}));
	return f;
}

// QEMU maps a RAMBlock's host memory page-aligned, max_length bytes of it, of which it uses the
// first used_length. Anything else would serve other host memory as the block's.
Result<void> check_ramblock(QemuReader &r, uint64_t block, const RamBlockInfo &info)
{
	std::string name = "RAMBlock \"" + info.idstr + "\" at " + hex(block);
	if (info.used_length > info.max_length)
		return make_error(ErrorCode::bad_structure, r.core().path(),
				  name + ": used_length " + hex(info.used_length) +
					  " exceeds max_length " + hex(info.max_length),
				  block);
	if (info.host % host_page_size != 0)
		return make_error(ErrorCode::bad_structure, r.core().path(),
				  name + ": host " + hex(info.host) + " is not page-aligned",
				  block);
	return {};
}

Result<RamBlockInfo> read_ramblock(QemuReader &r, const RamBlockFields &f, uint64_t block)
{
	RamBlockInfo info;
	auto idstr = r.read_char_array(block, f.idstr);
	if (!idstr)
		return idstr.take_error();
	info.idstr = *idstr;
	struct {
		const Field &field;
		uint64_t *out;
	} numbers[] = {
		{f.host, &info.host},
		{f.offset, &info.offset},
		{f.used_length, &info.used_length},
		{f.max_length, &info.max_length},
	};
	for (auto &n : numbers) {
		auto v = r.read_uint(block, n.field);
		if (!v)
			return v.take_error();
		*n.out = *v;
	}
	auto flags = r.read_uint(block, f.flags);
	auto fd = r.read_uint(block, f.fd);
	if (!flags || !fd)
		return flags ? fd.take_error() : flags.take_error();
	info.flags = static_cast<uint32_t>(*flags);
	info.fd = static_cast<int32_t>(*fd);
	VMCOREFS_TRY(check_ramblock(r, block, info));
	info.pieces = r.core().translate(info.host, info.used_length);
	return info;
}

} // namespace

Result<std::vector<RamBlockInfo>> walk_ramblocks(QemuReader &r)
{
	auto fields = look_up_fields(r);
	if (!fields)
		return fields.take_error();
	auto ram_list = r.global("ram_list");
	auto list_type = r.layout("RAMList");
	if (!ram_list || !list_type)
		return ram_list ? list_type.take_error() : ram_list.take_error();
	auto head = list_type->field("blocks.lh_first");
	if (!head)
		return head.take_error();
	auto block = r.read_uint(*ram_list, *head);
	if (!block)
		return block.take_error();

	std::vector<RamBlockInfo> blocks;
	std::unordered_set<uint64_t> seen;
	while (*block != 0) {
		if (!seen.insert(*block).second || blocks.size() >= max_ramblocks)
			return make_error(ErrorCode::bad_structure, r.core().path(),
					  "ram_list.blocks loops or is absurdly long (at " +
						  hex(*block) + ")",
					  *block);
		auto info = read_ramblock(r, *fields, *block);
		if (!info)
			return info.take_error();
		blocks.push_back(std::move(*info));
		block = r.read_uint(*block, fields->next);
		if (!block)
			return block.take_error();
	}
	return blocks;
}

} // namespace vmcorefs
