// FileTree: the immutable directory tree a mount serves, built once before the first request.
//
//	guest.vmcore            the ELF vmcore (core/vmcore/vmcore_layout.h)
//	info, info.json, dmesg  texts given by the caller, made on first use
//	blocks/<start>-<end>    one per guest segment
//	ramblocks/<idstr>       one per QEMU RAMBlock, idstr escaped (ramblock_file_name)
//
// A file's content is an ExtentTable. Nothing changes after build() but the texts, each made once
// under std::call_once (threads that ask meanwhile wait for it; if making it throws, the request
// fails at the FUSE boundary and the next one tries again), so FUSE worker threads read the tree
// without locks of their own. Inode numbers are node indices plus one, which makes the root
// FUSE_ROOT_ID (1) without fs/ code having to map between the two.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "qemu/guest_memory_map.h"
#include "source/memory_source.h"
#include "vmcore/extent_table.h"

namespace vmcorefs {

// A file of generated text, made the first time anyone looks at it (a lookup, getattr or open).
class LazyText {
public:
	explicit LazyText(std::function<std::string()> make) : make_(std::move(make)) {}
	const ExtentTable &table() const;

private:
	mutable std::once_flag once_;
	mutable ExtentTable table_;
	std::function<std::string()> make_;
};

struct Node {
	std::string name;
	uint64_t parent = 0;
	bool directory = false;
	std::vector<uint64_t> children; // directories: inode numbers, sorted by name
	ExtentTable table;              // files, unless lazy
	std::shared_ptr<const LazyText> lazy;
	// Bytes the file would occupy on disk, for st_blocks: everything but core bytes, plus the
	// core bytes up to what the core itself occupies. cp --sparse looks for holes only in files
	// whose st_blocks is smaller than their size. Texts occupy their size.
	uint64_t table_allocated = 0;

	const ExtentTable &content() const { return lazy ? lazy->table() : table; }
	uint64_t allocated() const { return lazy ? lazy->table().size() : table_allocated; }
};

// The texts served beside the vmcore, each made on first use.
struct TreeTexts {
	std::function<std::string()> info;
	std::function<std::string()> info_json;
	std::function<std::string()> dmesg;
};

class FileTree {
public:
	static constexpr uint64_t root = 1;

	// Lays out every file of the mount. Errors: bad_structure from build_vmcore_table, corrupt
	// when an extent points past the end of the core. Names that cannot be served (a RAMBlock
	// name longer than NAME_MAX once escaped, a duplicate) are left out with a warning.
	static Result<FileTree> build(const GuestMemoryMap &map, const MemorySource &core,
				      TreeTexts texts);

	// nullptr for an inode number that is not in the tree.
	const Node *node(uint64_t ino) const;
	// The inode number of parent's child called name; 0 when there is none.
	uint64_t lookup(uint64_t parent, std::string_view name) const;
	size_t node_count() const { return nodes_.size(); }
	const std::vector<std::string> &warnings() const { return warnings_; }

private:
	uint64_t add_node(uint64_t parent, std::string name);
	uint64_t add_directory(uint64_t parent, std::string name);
	void add_file(uint64_t parent, std::string name, ExtentTable content,
		      uint64_t core_allocated);
	void add_text(uint64_t parent, std::string name, std::function<std::string()> make);
	void sort_children();

	std::vector<Node> nodes_;
	std::vector<std::string> warnings_;
};

} // namespace vmcorefs
