#include "file_tree.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <set>
#include <sys/stat.h>

#include "base/byte_order.h"
#include "vmcore/vmcore_layout.h"

namespace vmcorefs {
namespace {

ExtentTable text_table(const std::string &text)
{
	auto *begin = reinterpret_cast<const std::byte *>(text.data());
	std::vector<std::byte> bytes(begin, begin + text.size());
	return ExtentTable({{0, text.size(), Extent::Source::generated, 0}}, std::move(bytes));
}

uint64_t allocated_bytes(const ExtentTable &table, uint64_t core_allocated)
{
	uint64_t core_bytes = 0;
	for (const Extent &e : table.extents())
		if (e.source == Extent::Source::core)
			core_bytes += e.length;
	return table.size() - core_bytes + std::min(core_bytes, core_allocated);
}

// Reads are served from the core's mapping, which ends at the core's size: an extent past it
// would read our own address space, not the file.
Result<void> check_core_extents(const Node &file, const MemorySource &core)
{
	for (const Extent &e : file.table.extents()) {
		uint64_t end;
		if (e.source == Extent::Source::core &&
		    (add_overflows(e.source_offset, e.length, &end) || end > core.size()))
			return make_error(ErrorCode::corrupt, core.path(),
					  file.name + " would read past the end of the core",
					  e.source_offset);
	}
	return {};
}

Result<uint64_t> allocated_size(const MemorySource &core)
{
	struct stat st;
	if (fstat(core.fd(), &st) != 0)
		return make_io_error(core.path(), "cannot stat", errno);
	return static_cast<uint64_t>(st.st_blocks) * 512;
}

} // namespace

const ExtentTable &LazyText::table() const
{
	std::call_once(once_, [this] { table_ = text_table(make_()); });
	return table_;
}

Result<FileTree> FileTree::build(const GuestMemoryMap &map, const MemorySource &core,
				 TreeTexts texts)
{
	auto vmcore = build_vmcore_table(map);
	if (!vmcore)
		return vmcore.take_error();
	auto core_allocated = allocated_size(core);
	if (!core_allocated)
		return core_allocated.take_error();

	FileTree tree;
	Node &top = tree.nodes_.emplace_back();
	top.parent = root;
	top.directory = true;
	tree.add_file(root, "guest.vmcore", std::move(*vmcore), *core_allocated);
	tree.add_text(root, "info", std::move(texts.info));
	tree.add_text(root, "info.json", std::move(texts.info_json));
	tree.add_text(root, "dmesg", std::move(texts.dmesg));
	uint64_t blocks = tree.add_directory(root, "blocks");
	for (const GuestSegment &segment : map.segments)
		tree.add_file(blocks, segment_file_name(segment), build_segment_table(segment),
			      *core_allocated);
	uint64_t ramblocks = tree.add_directory(root, "ramblocks");
	std::set<std::string> seen;
	for (const RamBlockInfo &block : map.ramblocks) {
		std::string name = ramblock_file_name(block.idstr);
		if (name.size() > NAME_MAX || !seen.insert(name).second) {
			tree.warnings_.push_back("RAMBlock \"" + block.idstr +
						 "\" not served: name too long or not unique");
			continue;
		}
		tree.add_file(ramblocks, name, build_ramblock_table(block), *core_allocated);
	}
	for (const Node &node : tree.nodes_)
		VMCOREFS_TRY(check_core_extents(node, core));
	tree.sort_children();
	return tree;
}

const Node *FileTree::node(uint64_t ino) const
{
	if (ino == 0 || ino > nodes_.size())
		return nullptr;
	return &nodes_[ino - 1];
}

uint64_t FileTree::lookup(uint64_t parent, std::string_view name) const
{
	const Node *dir = node(parent);
	if (!dir || !dir->directory)
		return 0;
	auto it = std::lower_bound(dir->children.begin(), dir->children.end(), name,
				   [this](uint64_t child, std::string_view wanted) {
					   return nodes_[child - 1].name < wanted;
				   });
	if (it == dir->children.end() || nodes_[*it - 1].name != name)
		return 0;
	return *it;
}

uint64_t FileTree::add_node(uint64_t parent, std::string name)
{
	Node &node = nodes_.emplace_back();
	node.name = std::move(name);
	node.parent = parent;
	uint64_t ino = nodes_.size();
	nodes_[parent - 1].children.push_back(ino);
	return ino;
}

uint64_t FileTree::add_directory(uint64_t parent, std::string name)
{
	uint64_t ino = add_node(parent, std::move(name));
	nodes_[ino - 1].directory = true;
	return ino;
}

void FileTree::add_file(uint64_t parent, std::string name, ExtentTable content,
			uint64_t core_allocated)
{
	Node &node = nodes_[add_node(parent, std::move(name)) - 1];
	node.table_allocated = allocated_bytes(content, core_allocated);
	node.table = std::move(content);
}

void FileTree::add_text(uint64_t parent, std::string name, std::function<std::string()> make)
{
	nodes_[add_node(parent, std::move(name)) - 1].lazy =
		std::make_shared<const LazyText>(std::move(make));
}

void FileTree::sort_children()
{
	for (Node &node : nodes_)
		std::sort(node.children.begin(), node.children.end(),
			  [this](uint64_t a, uint64_t b) {
				  return nodes_[a - 1].name < nodes_[b - 1].name;
			  });
}

} // namespace vmcorefs
