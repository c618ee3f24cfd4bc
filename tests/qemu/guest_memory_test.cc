// The core library on a real QEMU core, against QEMU's own vmcore of the same instant: the block
// list, the bytes of every block and the notes must be QEMU's, exactly. The harness manifest and
// the core to use come from the environment (VMCOREFS_MANIFEST, VMCOREFS_CORE_KEY), set by CTest.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <xxhash.h>

#include "load/guest_loader.h"
#include "qemu/guest_memory_resolver.h"
#include "vmcore/vmcore_layout.h"
#include "vmcore/vmcore_view.h"

namespace vmcorefs {
namespace {

std::map<std::string, std::string> read_manifest()
{
	const char *path = std::getenv("VMCOREFS_MANIFEST");
	std::map<std::string, std::string> out;
	if (!path)
		return out;
	std::ifstream in(path);
	for (std::string line; std::getline(in, line);)
		if (auto eq = line.find('='); eq != std::string::npos)
			out[line.substr(0, eq)] = line.substr(eq + 1);
	return out;
}

class RealCore : public testing::Test {
protected:
	void SetUp() override
	{
		manifest_ = read_manifest();
		const char *key = std::getenv("VMCOREFS_CORE_KEY");
		ASSERT_FALSE(manifest_.empty()) << "VMCOREFS_MANIFEST names no harness manifest";
		ASSERT_TRUE(key && manifest_.count(key)) << "the manifest has no core " << key;
		LoadOptions options;
		options.core_path = manifest_[key];
		options.debug_dirs = {"/usr/lib/debug"};
		auto guest = load_guest(options);
		ASSERT_TRUE(guest.ok()) << guest.error().to_string();
		guest_ = std::move(*guest);
		auto file = MappedFile::open(manifest_["reference"]);
		ASSERT_TRUE(file.ok()) << file.error().to_string();
		reference_file_.emplace(std::move(*file));
		auto view = VmcoreView::parse(*reference_file_);
		ASSERT_TRUE(view.ok()) << view.error().to_string();
		reference_.emplace(std::move(*view));
	}

	std::map<std::string, std::string> manifest_;
	LoadedGuest guest_;
	std::optional<MappedFile> reference_file_;
	std::optional<VmcoreView> reference_;
};

TEST_F(RealCore, BlockListIsQemus)
{
	const auto &loads = reference_->loads();
	const auto &blocks = guest_.map.blocks;
	ASSERT_EQ(blocks.size(), loads.size());
	for (size_t i = 0; i < blocks.size(); i++) {
		EXPECT_EQ(blocks[i].start, loads[i].paddr) << "block " << i;
		EXPECT_EQ(blocks[i].end - blocks[i].start, loads[i].filesz) << "block " << i;
	}
	EXPECT_TRUE(guest_.map.absent.empty()) << "the harness cores hold all guest RAM";
}

// Digests of each block, read through the library's guest-physical reader, against the
// reference's segment bytes; on a mismatch, the first differing page.
TEST_F(RealCore, BlockBytesAreQemus)
{
	constexpr size_t page = 4096;
	std::vector<std::byte> ours(page), theirs(page);
	for (const auto &load : reference_->loads()) {
		XXH3_state_t *a = XXH3_createState(), *b = XXH3_createState();
		XXH3_64bits_reset(a), XXH3_64bits_reset(b);
		std::optional<uint64_t> first_difference;
		for (uint64_t at = 0; at < load.filesz; at += page) {
			size_t n = std::min<uint64_t>(page, load.filesz - at);
			ASSERT_TRUE(read_guest_physical(*guest_.core, guest_.map, load.paddr + at,
							ours.data(), n)
					    .ok());
			ASSERT_TRUE(reference_->read(load.offset + at, theirs.data(), n).ok());
			XXH3_64bits_update(a, ours.data(), n),
				XXH3_64bits_update(b, theirs.data(), n);
			if (!first_difference && memcmp(ours.data(), theirs.data(), n))
				first_difference = load.paddr + at;
		}
		EXPECT_EQ(XXH3_64bits_digest(a), XXH3_64bits_digest(b))
			<< "block at " << hex(load.paddr) << ": first differing page at "
			<< hex(first_difference.value_or(0));
		XXH3_freeState(a), XXH3_freeState(b);
	}
}

// The CPU notes (x86: NT_PRSTATUS and QEMU per vCPU; aarch64: NT_PRSTATUS and NT_PRFPREG) and the
// VMCOREINFO note, byte for byte in QEMU's order.
TEST_F(RealCore, NotesAreQemus)
{
	std::vector<std::byte> theirs;
	for (const auto &note : reference_->notes()) {
		size_t at = theirs.size(), namesz = note.name.size() + 1;
		theirs.resize(at + 12 + ((namesz + 3) & ~3u) + ((note.desc.size() + 3) & ~3u));
		uint32_t header[3] = {static_cast<uint32_t>(namesz),
				      static_cast<uint32_t>(note.desc.size()), note.type};
		memcpy(theirs.data() + at, header, sizeof header);
		memcpy(theirs.data() + at + 12, note.name.c_str(), namesz);
		memcpy(theirs.data() + at + 12 + ((namesz + 3) & ~3u), note.desc.data(),
		       note.desc.size());
	}
	// A Linux guest publishes VMCOREINFO; firmware alone does not.
	auto number = [&](const char *key) {
		return std::stoul(manifest_.count(key) ? manifest_[key] : "2");
	};
	size_t per_vcpu = number("notes_per_vcpu"), vcpus = number("cpus");
	size_t vmcoreinfo = manifest_.count("release");
	EXPECT_EQ(reference_->notes().size(), per_vcpu * vcpus + vmcoreinfo)
		<< per_vcpu << " notes for each of " << vcpus << " vCPUs, " << vmcoreinfo
		<< " VMCOREINFO";
	EXPECT_TRUE(guest_.map.notes == theirs) << "notes differ (run vmcorefs --compare)";
}

// EM_X86_64 in long mode; EM_386 outside it, in the class QEMU chose from the block list.
TEST_F(RealCore, ElfClassAndMachineAreQemus)
{
	EXPECT_EQ(guest_.map.elf_machine, reference_->machine());
	EXPECT_EQ(static_cast<uint8_t>(guest_.map.elf_class), reference_->elf_class());
	auto table = build_vmcore_table(guest_.map);
	ASSERT_TRUE(table.ok()) << table.error().to_string();
	auto served = VmcoreView::parse("guest.vmcore", table->size(),
					[&](uint64_t offset, void *dst, size_t length) {
						return read_served(*table, guest_.core->source(),
								   offset, dst, length);
					});
	ASSERT_TRUE(served.ok()) << served.error().to_string();
	EXPECT_EQ(served->elf_class(), reference_->elf_class());
	EXPECT_EQ(served->machine(), reference_->machine());
}

// RAM above 4 GiB on pc/q35 (more than fits below the PCI hole, or max-ram-below-4g): RAM below
// 4 GiB and above are two blocks of the one RAMBlock pc.ram, adjacent in the host but not in the
// guest, so never merged.
TEST_F(RealCore, RamAbove4GiBIsASecondBlockOfPcRam)
{
	constexpr uint64_t four_gib = uint64_t{1} << 32;
	uint64_t memory =
		std::stoull(manifest_.count("memory_mib") ? manifest_["memory_mib"] : "0");
	// The virtio-mem scenario's plugged memory also starts at 4 GiB: it is not pc.ram.
	uint64_t virtio_mem = manifest_.count("virtio_mem_addr")
				      ? std::stoull(manifest_["virtio_mem_addr"])
				      : UINT64_MAX;
	const auto &loads = reference_->loads();
	auto above = [&](const VmcoreLoad &l) {
		return l.paddr >= four_gib && l.paddr != virtio_mem;
	};
	if (std::none_of(loads.begin(), loads.end(), above))
		GTEST_SKIP() << "QEMU dumped no pc.ram above 4 GiB of this " << memory
			     << " MiB guest";
	const auto &ramblocks = guest_.map.ramblocks;
	auto ram = std::find_if(ramblocks.begin(), ramblocks.end(),
				[](const auto &b) { return b.idstr == "pc.ram"; });
	ASSERT_NE(ram, ramblocks.end());
	EXPECT_EQ(ram->used_length, memory << 20);
	std::vector<GuestBlock> of_ram;
	for (const auto &b : guest_.map.blocks)
		if (b.host >= ram->host && b.host < ram->host + ram->used_length)
			of_ram.push_back(b);
	ASSERT_EQ(of_ram.size(), 2u) << "pc.ram should be exactly two blocks";
	const GuestBlock &low = of_ram[0], &high = of_ram[1];
	EXPECT_EQ(low.start, 0u);
	EXPECT_LE(low.end, four_gib);
	EXPECT_EQ(high.start, four_gib);
	EXPECT_EQ(low.host, ram->host);
	EXPECT_EQ(high.host, ram->host + (low.end - low.start)) << "host-contiguous halves";
	EXPECT_EQ((low.end - low.start) + (high.end - high.start), ram->used_length);
}

// What the harness booted (manifest: QEMU version, versioned machine type) is what the core says.
TEST_F(RealCore, IdentifiesQemu)
{
	std::string machine =
		manifest_.count("machine_type") ? manifest_["machine_type"] : "pc-i440fx-7.2";
	std::string version = manifest_.count("qemu_version") ? manifest_["qemu_version"] : "7.2.";
	EXPECT_EQ(guest_.map.machine, machine);
	EXPECT_EQ(guest_.map.accelerator, "tcg");
	EXPECT_TRUE(guest_.map.qemu_version.starts_with(version))
		<< guest_.map.qemu_version << ", expected " << version;
	// ram_list keeps the largest RAMBlock first: the machine's RAM, unless a device's memory
	// (virtio-mem's) is larger.
	std::string ram = manifest_.count("ram_idstr") ? manifest_["ram_idstr"] : "pc.ram";
	const auto &ramblocks = guest_.map.ramblocks;
	EXPECT_TRUE(std::any_of(ramblocks.begin(), ramblocks.end(),
				[&](const auto &b) { return b.idstr == ram; }))
		<< "no RAMBlock " << ram;
}

} // namespace
} // namespace vmcorefs
