// RamDiscardManagers reading a virtio-mem device out of a synthetic core: the manager's QOM type,
// the device's bitmap and the region it manages, all placed where the DWARF of a tiny C program
// shaped like QEMU's structures says they are (field order and sizes deliberately not QEMU's).
#include <gtest/gtest.h>
#include <optional>

#include "compiled_dwarf.h"
#include "core_builder.h"
#include "facts/dwarf_facts.h"
#include "qemu/ram_discard_manager.h"
#include "source/process_core.h"

namespace vmcorefs {
namespace {

using test::Bytes;
using test::CoreBuilder;
using test::TempDir;

constexpr char qemu_like[] = R"(
typedef struct TypeImpl {
	unsigned long class_size; const char *name; unsigned long instance_size;
	struct TypeImpl *parent_type;
} TypeImpl;
typedef struct ObjectClass { void *interfaces; TypeImpl *type; } ObjectClass;
typedef struct Object { void *properties; ObjectClass *class; unsigned ref; } Object;
typedef struct MemoryRegion { Object parent_obj; _Bool ram; __int128 size; void *rdm; }
	MemoryRegion;
typedef struct HostMemoryBackend { Object parent; unsigned long long size; MemoryRegion mr; }
	HostMemoryBackend;
typedef struct VirtIOMEM {
	Object parent_obj; char virtio[100]; unsigned long long block_size; void *vq;
	HostMemoryBackend *memdev; unsigned long *bitmap; int bitmap_size;
} VirtIOMEM;
TypeImpl type; ObjectClass klass; VirtIOMEM vmem; HostMemoryBackend backend;
int main(void) { return vmem.bitmap_size + backend.mr.ram + (type.name != 0) + (klass.type != 0); }
)";

// Host addresses of the objects in the core's one mapping.
constexpr uint64_t heap = 0x7f0000000000;
constexpr uint64_t type_at = heap + 0x100, name_at = heap + 0x200, class_at = heap + 0x300;
constexpr uint64_t device_at = heap + 0x1000, backend_at = heap + 0x2000, bitmap_at = heap + 0x3000;
constexpr uint64_t block = 0x200000;
constexpr uint64_t guest = 0x100000000; // where the region is mapped, as on a pc machine

class RamDiscardManagerTest : public testing::Test {
protected:
	void SetUp() override
	{
		program_.emplace(qemu_like);
		ASSERT_EQ(program_->error(), "");
		facts_ = layout_facts_from_dwarf(program_->dwarf());
		builder_.add_sparse_load(heap, 0x10000);
	}

	uint64_t offset(const char *type, const char *field)
	{
		auto layout = facts_.find_struct(type);
		EXPECT_TRUE(layout.ok());
		auto f = layout->field(field);
		EXPECT_TRUE(f.ok()) << f.error().message;
		return f->offset;
	}
	// The MemoryRegion the device manages.
	uint64_t region_at() { return backend_at + offset("HostMemoryBackend", "mr"); }

	// A device of QOM type `name` with `bits` blocks, `picture` saying which are plugged ('1').
	void add_device(const std::string &name, uint64_t bits, const std::string &picture)
	{
		Bytes text(name.begin(), name.end());
		text.push_back(0);
		builder_.poke(name_at, text);
		builder_.poke_u64(type_at + offset("TypeImpl", "name"), name_at);
		builder_.poke_u64(class_at + offset("ObjectClass", "type"), type_at);
		// QOM puts the Object first: a device's class is at Object.class.
		builder_.poke_u64(device_at + offset("Object", "class"), class_at);
		builder_.poke_u64(device_at + offset("VirtIOMEM", "block_size"), block);
		builder_.poke_u64(device_at + offset("VirtIOMEM", "memdev"), backend_at);
		builder_.poke_u64(device_at + offset("VirtIOMEM", "bitmap"), bitmap_at);
		uint32_t count = static_cast<uint32_t>(bits);
		builder_.poke(device_at + offset("VirtIOMEM", "bitmap_size"),
			      {uint8_t(count), uint8_t(count >> 8), uint8_t(count >> 16),
			       uint8_t(count >> 24)});
		uint64_t region_size = picture.size() * block;
		builder_.poke_u64(region_at() + offset("MemoryRegion", "size"), region_size);
		Bytes bitmap((picture.size() + 7) / 8);
		for (size_t i = 0; i < picture.size(); i++)
			if (picture[i] == '1')
				bitmap[i / 8] |= uint8_t(1u << (i % 8));
		builder_.poke(bitmap_at, bitmap);
	}

	// RamDiscardManagers on the core as built so far, asked for each section in turn.
	Result<std::vector<RegionSection>> populated(const std::vector<RegionSection> &sections,
						     uint64_t region)
	{
		builder_.write(dir_.file("core"));
		auto core = ProcessCore::open(dir_.file("core"));
		if (!core)
			return core.take_error();
		StructReader reader(**core, facts_);
		RamDiscardManagers managers(reader);
		std::vector<RegionSection> all;
		for (const RegionSection &section : sections) {
			auto pieces = managers.populated(region, device_at, section);
			if (!pieces)
				return pieces.take_error();
			all.insert(all.end(), pieces->begin(), pieces->end());
		}
		return all;
	}

	TempDir dir_;
	std::optional<test::CompiledDwarf> program_;
	QemuFacts facts_;
	CoreBuilder builder_;
};

using Sections = std::vector<RegionSection>;

// Two FlatView sections of one region (as QEMU 8.2+'s virtio-mem memslots make): each gets the
// plugged runs that meet it, cut to it.
TEST_F(RamDiscardManagerTest, ReplaysThePluggedRunsOfEachSection)
{
	add_device("virtio-mem", 16, "1101110000000011");
	auto pieces = populated({{guest, 0, 4 * block}, {guest + 4 * block, 4 * block, 12 * block}},
				region_at());
	ASSERT_TRUE(pieces.ok()) << pieces.error().to_string();
	EXPECT_EQ(*pieces, (Sections{{guest, 0, 2 * block},
				     {guest + 3 * block, 3 * block, block},
				     {guest + 4 * block, 4 * block, 2 * block},
				     {guest + 14 * block, 14 * block, 2 * block}}));
}

TEST_F(RamDiscardManagerTest, RefusesAnotherManagerNamingItsType)
{
	add_device("ram-block-attributes", 16, "1111111111111111");
	auto pieces = populated({{guest, 0, 16 * block}}, region_at());
	ASSERT_FALSE(pieces.ok());
	EXPECT_EQ(pieces.error().code, ErrorCode::unsupported);
	EXPECT_EQ(pieces.error().message,
		  "guest RAM at 0x100000000 is managed by a RamDiscardManager of type "
		  "'ram-block-attributes', which vmcorefs cannot read");
}

TEST_F(RamDiscardManagerTest, BitmapMustCoverTheRegion)
{
	add_device("virtio-mem", 2, "1111111111111111");
	auto pieces = populated({{guest, 0, 16 * block}}, region_at());
	ASSERT_FALSE(pieces.ok());
	EXPECT_EQ(pieces.error().message,
		  "virtio-mem device at 0x7f0000001000: a bitmap of 2 bits does not cover its "
		  "0x2000000 bytes in blocks of 0x200000");
}

TEST_F(RamDiscardManagerTest, BitmapOutsideTheCoreIsAnError)
{
	add_device("virtio-mem", 4, "1111");
	builder_.poke_u64(device_at + offset("VirtIOMEM", "bitmap"), 0x10);
	auto pieces = populated({{guest, 0, 16 * block}}, region_at());
	ASSERT_FALSE(pieces.ok());
	EXPECT_NE(pieces.error().message.find(
			  "cannot read the bitmap of virtio-mem device 0x7f0000001000 at 0x10"),
		  std::string::npos)
		<< pieces.error().message;
}

// QEMU only ever asks a device about its own memdev's region.
TEST_F(RamDiscardManagerTest, DeviceMustManageTheRegionThatNamesIt)
{
	add_device("virtio-mem", 4, "1111");
	auto pieces = populated({{guest, 0, 16 * block}}, region_at() + 0x100);
	ASSERT_FALSE(pieces.ok());
	EXPECT_NE(pieces.error().message.find("does not manage the MemoryRegion at"),
		  std::string::npos)
		<< pieces.error().message;
}

} // namespace
} // namespace vmcorefs
