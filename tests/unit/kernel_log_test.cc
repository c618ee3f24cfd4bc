// The kernel log decoders on synthetic guest memory: the lockless ring buffer (wrap-around of
// both rings, a text block stored from the data ring's start, descriptors being written or
// recycled, damaged indices and positions, memory that is absent) and log_buf's records; then
// the dmesg text and the panic line made from them.
#include <cstring>
#include <map>

#include <gtest/gtest.h>

#include "base/byte_order.h"
#include "kernel/kernel_log.h"
#include "kernel/kernel_log_text.h"

namespace vmcorefs {
namespace {

// Guest kernel memory: byte ranges at virtual addresses; anything else is absent.
class KernelImage {
public:
	std::vector<std::byte> &region(uint64_t vaddr, size_t size)
	{
		auto &bytes = regions_[vaddr];
		bytes.resize(size);
		return bytes;
	}
	void put_u64(uint64_t vaddr, uint64_t value) { store_le(region(vaddr, 8).data(), value); }
	void remove(uint64_t vaddr) { regions_.erase(vaddr); }
	KernelReader reader() const
	{
		return [this](uint64_t vaddr, void *dst, size_t length) -> Result<void> {
			for (const auto &[start, bytes] : regions_)
				if (vaddr >= start && length <= bytes.size() &&
				    vaddr - start <= bytes.size() - length) {
					std::memcpy(dst, bytes.data() + (vaddr - start), length);
					return {};
				}
			return make_error(ErrorCode::absent, "",
					  "guest memory at " + hex(vaddr) + " is absent", vaddr);
		};
	}

private:
	std::map<uint64_t, std::vector<std::byte>> regions_;
};

// Linux 6.1's layout on a 64-bit machine, as its VMCOREINFO says it.
const std::string lockless_vmcoreinfo = "OSRELEASE=6.1.0\n"
					"SYMBOL(prb)=ffffffff82000000\n"
					"SIZE(printk_ringbuffer)=88\n"
					"OFFSET(printk_ringbuffer.desc_ring)=0\n"
					"OFFSET(printk_ringbuffer.text_data_ring)=48\n"
					"OFFSET(printk_ringbuffer.fail)=80\n"
					"SIZE(prb_desc_ring)=48\n"
					"OFFSET(prb_desc_ring.count_bits)=0\n"
					"OFFSET(prb_desc_ring.descs)=8\n"
					"OFFSET(prb_desc_ring.infos)=16\n"
					"OFFSET(prb_desc_ring.head_id)=24\n"
					"OFFSET(prb_desc_ring.tail_id)=32\n"
					"SIZE(prb_desc)=24\n"
					"OFFSET(prb_desc.state_var)=0\n"
					"OFFSET(prb_desc.text_blk_lpos)=8\n"
					"OFFSET(prb_data_blk_lpos.begin)=0\n"
					"OFFSET(prb_data_blk_lpos.next)=8\n"
					"SIZE(printk_info)=88\n"
					"OFFSET(printk_info.seq)=0\n"
					"OFFSET(printk_info.ts_nsec)=8\n"
					"OFFSET(printk_info.text_len)=16\n"
					"OFFSET(printk_info.caller_id)=20\n"
					"OFFSET(printk_info.dev_info)=24\n"
					"SIZE(prb_data_ring)=32\n"
					"OFFSET(prb_data_ring.size_bits)=0\n"
					"OFFSET(prb_data_ring.data)=8\n"
					"OFFSET(prb_data_ring.head_lpos)=16\n"
					"OFFSET(prb_data_ring.tail_lpos)=24\n"
					"SIZE(atomic_long_t)=8\n"
					"OFFSET(atomic_long_t.counter)=0\n";

constexpr uint64_t prb_symbol = 0xffffffff82000000, ring = 0xffffffff82100000;
constexpr uint64_t descs_at = 0xffff888001000000, infos_at = 0xffff888002000000,
		   data_at = 0xffff888003000000;
constexpr uint64_t finalized = uint64_t{2} << 62, reserved = 0, reusable = uint64_t{3} << 62;
constexpr uint64_t id_mask = ~(uint64_t{3} << 62);

// Writes records as printk would, one lap of each ring after another.
class RingWriter {
public:
	RingWriter(KernelImage &image, unsigned count_bits, unsigned size_bits)
		: image_(image), count_(uint64_t{1} << count_bits), size_(uint64_t{1} << size_bits)
	{
		image.put_u64(prb_symbol, ring);
		auto &rb = image.region(ring, 88);
		store_le<uint32_t>(rb.data() + 0, count_bits);
		store_le<uint64_t>(rb.data() + 8, descs_at);
		store_le<uint64_t>(rb.data() + 16, infos_at);
		store_le<uint32_t>(rb.data() + 48, size_bits);
		store_le<uint64_t>(rb.data() + 56, data_at);
		image.region(descs_at, count_ * 24);
		image.region(infos_at, count_ * 88);
		image.region(data_at, size_);
		// Ids start just before they wrap to 0 (they are 62 bits), so that every test
		// crosses it.
		next_id_ = id_mask - 1;
		tail_id_ = next_id_;
	}

	// Appends a finalized record; returns its id.
	uint64_t add(const std::string &text, uint64_t ts_nsec)
	{
		uint64_t id = next_id_;
		next_id_ = (next_id_ + 1) & id_mask;
		uint64_t index = id & (count_ - 1);
		uint64_t need = (8 + text.size() + 7) & ~uint64_t{7};
		uint64_t begin = lpos_, next;
		if ((lpos_ & (size_ - 1)) + need > size_) // no room before the end: from the start
			next = (lpos_ | (size_ - 1)) + 1 + need;
		else
			next = lpos_ + need;
		uint64_t block = (next - need) & (size_ - 1);
		auto &data = image_.region(data_at, size_);
		store_le<uint64_t>(data.data() + block, id);
		std::memcpy(data.data() + block + 8, text.data(), text.size());
		lpos_ = next;
		set_desc(index, finalized | id, begin, next);
		auto &infos = image_.region(infos_at, count_ * 88);
		store_le<uint64_t>(infos.data() + index * 88, id); // a sequence number of this slot
		store_le<uint64_t>(infos.data() + index * 88 + 8, ts_nsec);
		store_le<uint16_t>(infos.data() + index * 88 + 16,
				   static_cast<uint16_t>(text.size()));
		head_id_ = id;
		if (((id - tail_id_) & id_mask) >= count_)
			tail_id_ = (id - count_ + 1) & id_mask;
		publish();
		return id;
	}
	void set_desc(uint64_t index, uint64_t state_var, uint64_t begin, uint64_t next)
	{
		auto &descs = image_.region(descs_at, count_ * 24);
		store_le<uint64_t>(descs.data() + index * 24, state_var);
		store_le<uint64_t>(descs.data() + index * 24 + 8, begin);
		store_le<uint64_t>(descs.data() + index * 24 + 16, next);
	}
	void set_ids(uint64_t tail, uint64_t head)
	{
		tail_id_ = tail, head_id_ = head;
		publish();
	}
	void set_u32(uint64_t offset, uint32_t value)
	{
		store_le<uint32_t>(image_.region(ring, 88).data() + offset, value);
	}
	void set_info_seq(uint64_t id, uint64_t seq)
	{
		store_le<uint64_t>(image_.region(infos_at, count_ * 88).data() +
					   (id & (count_ - 1)) * 88,
				   seq);
	}
	uint64_t count() const { return count_; }

private:
	void publish()
	{
		auto &rb = image_.region(ring, 88);
		store_le<uint64_t>(rb.data() + 24, head_id_);
		store_le<uint64_t>(rb.data() + 32, tail_id_);
	}

	KernelImage &image_;
	uint64_t count_, size_;
	uint64_t next_id_ = 0, head_id_ = 0, tail_id_ = 0, lpos_ = 0;
};

std::vector<std::string> texts(const KernelLog &log)
{
	std::vector<std::string> out;
	for (const auto &r : log.records)
		out.push_back(r.text);
	return out;
}

TEST(KernelLog, ReadsRecordsInOrder)
{
	KernelImage image;
	RingWriter writer(image, 4, 10);
	writer.add("Linux version 6.1.0", 0);
	writer.add("Command line: console=ttyS0", 1500000);
	writer.add("sysrq: Trigger a crash", 3326848123);
	KernelLog log = read_kernel_log(lockless_vmcoreinfo, image.reader());
	EXPECT_EQ(log.problem, "");
	EXPECT_EQ(texts(log),
		  (std::vector<std::string>{"Linux version 6.1.0", "Command line: console=ttyS0",
					    "sysrq: Trigger a crash"}));
	EXPECT_EQ(format_dmesg(log), "[    0.000000] Linux version 6.1.0\n"
				     "[    0.001500] Command line: console=ttyS0\n"
				     "[    3.326848] sysrq: Trigger a crash\n");
}

TEST(KernelLog, BothRingsWrapAround)
{
	KernelImage image;
	RingWriter writer(image, 2, 7); // 4 descriptors, 128 bytes of text
	for (int i = 0; i < 11; i++)
		writer.add("message " + std::to_string(i) +
				   std::string(static_cast<size_t>(i % 3) * 5, '.'),
			   i);
	KernelLog log = read_kernel_log(lockless_vmcoreinfo, image.reader());
	EXPECT_EQ(log.problem, "");
	// The last four descriptors; the oldest of them may have lost its text to newer blocks, in
	// which case its block's id no longer matches and it is counted as damaged: here it did
	// not.
	EXPECT_EQ(texts(log), (std::vector<std::string>{"message 7.....", "message 8..........",
							"message 9", "message 10....."}));
}

TEST(KernelLog, TextStoredFromTheStartOfTheDataRing)
{
	KernelImage image;
	RingWriter writer(image, 4, 6);    // 64 bytes: the third block cannot fit before the end
	writer.add("0123456789abcdef", 1); // 24 + 8 = 32 bytes... with its id
	writer.add("0123456789", 2);
	writer.add("wraps to the start", 3);
	KernelLog log = read_kernel_log(lockless_vmcoreinfo, image.reader());
	EXPECT_EQ(texts(log).back(), "wraps to the start");
}

TEST(KernelLog, RecordsBeingWrittenOrRecycledAreNotRecords)
{
	KernelImage image;
	RingWriter writer(image, 4, 10);
	uint64_t first = writer.add("kept", 1);
	uint64_t second = writer.add("being written", 2);
	uint64_t third = writer.add("recycled", 3);
	uint64_t fourth = writer.add("another lap's", 4);
	writer.add("last", 5);
	writer.set_desc(second & 15, reserved | second, 0, 0);
	writer.set_desc(third & 15, reusable | third, 0, 0);
	writer.set_desc(fourth & 15, finalized | ((fourth + 16) & id_mask), 0, 0);
	KernelLog log = read_kernel_log(lockless_vmcoreinfo, image.reader());
	EXPECT_EQ(log.problem, "");
	EXPECT_EQ(texts(log), (std::vector<std::string>{"kept", "last"}));
	(void)first;
}

TEST(KernelLog, DamagedRecordsAreLeftOutAndCounted)
{
	KernelImage image;
	RingWriter writer(image, 4, 10);
	writer.add("good", 1);
	uint64_t bad_seq = writer.add("bad sequence", 2);
	uint64_t bad_lpos = writer.add("bad positions", 3);
	writer.add("good too", 4);
	writer.set_info_seq(bad_seq, 12345);
	writer.set_desc(bad_lpos & 15, finalized | bad_lpos, 0x10000, 0x8);
	KernelLog log = read_kernel_log(lockless_vmcoreinfo, image.reader());
	EXPECT_EQ(texts(log), (std::vector<std::string>{"good", "good too"}));
	EXPECT_EQ(log.problem, "2 damaged records left out");
}

TEST(KernelLog, InconsistentIndicesAreBounded)
{
	KernelImage image;
	RingWriter writer(image, 2, 10);
	writer.add("one", 1);
	writer.set_ids(0, 1000); // the head is far more than a lap past the tail
	KernelLog log = read_kernel_log(lockless_vmcoreinfo, image.reader());
	EXPECT_NE(log.problem.find("more than one lap apart"), std::string::npos) << log.problem;

	writer.set_u32(0, 40); // 2^40 descriptors
	log = read_kernel_log(lockless_vmcoreinfo, image.reader());
	EXPECT_TRUE(log.records.empty());
	EXPECT_EQ(log.problem,
		  "the printk ring buffer's sizes are invalid (2^40 records, 2^10 bytes)");
}

TEST(KernelLog, AbsentTextKeepsWhatCanBeRead)
{
	KernelImage image;
	RingWriter writer(image, 4, 13); // two pages of text
	writer.add("on the first page", 1);
	writer.add(std::string(4090, 'x'), 2);
	writer.add("on the second page", 3);
	// Split the data ring: its second page is not in the core.
	std::vector<std::byte> first(image.region(data_at, 8192).begin(),
				     image.region(data_at, 8192).begin() + 4096);
	image.remove(data_at);
	image.region(data_at, 4096) = first;
	KernelLog log = read_kernel_log(lockless_vmcoreinfo, image.reader());
	EXPECT_EQ(texts(log), (std::vector<std::string>{"on the first page"}));
	EXPECT_NE(log.problem.find("part of the log is not in the core: guest memory at"),
		  std::string::npos)
		<< log.problem;
	EXPECT_NE(format_dmesg(log).find("\nvmcorefs: part of the log is not in the core"),
		  std::string::npos);
}

TEST(KernelLog, SaysWhichVmcoreinfoEntryIsMissing)
{
	KernelImage image;
	std::string text = lockless_vmcoreinfo;
	text.erase(text.find("OFFSET(prb_desc.state_var)=0\n"), 29);
	EXPECT_EQ(read_kernel_log(text, image.reader()).problem,
		  "VMCOREINFO has no OFFSET(prb_desc.state_var)");
	EXPECT_EQ(read_kernel_log("", image.reader()).problem, "the guest published no VMCOREINFO");
	EXPECT_NE(read_kernel_log("OSRELEASE=6.1.0\n", image.reader()).problem.find("neither"),
		  std::string::npos);
	std::string wrong = lockless_vmcoreinfo;
	wrong.replace(wrong.find("SIZE(prb_desc)=24"), 17, "SIZE(prb_desc)=12");
	EXPECT_EQ(read_kernel_log(wrong, image.reader()).problem,
		  "VMCOREINFO's printk structure sizes and offsets do not fit together");
}

// Linux 5.4's struct printk_log: ts_nsec, len, text_len, dict_len, facility, flags:5, level:3.
const std::string legacy_vmcoreinfo = "OSRELEASE=5.4.0\n"
				      "SYMBOL(log_buf)=ffffffff82000000\n"
				      "SYMBOL(log_buf_len)=ffffffff82000008\n"
				      "SYMBOL(log_first_idx)=ffffffff82000010\n"
				      "SYMBOL(log_next_idx)=ffffffff82000018\n"
				      "SIZE(printk_log)=16\n"
				      "OFFSET(printk_log.ts_nsec)=0\n"
				      "OFFSET(printk_log.len)=8\n"
				      "OFFSET(printk_log.text_len)=10\n"
				      "OFFSET(printk_log.dict_len)=12\n";

struct LegacyRecord {
	std::string text, dict;
	uint64_t ts_nsec;
};

// Writes records at offset 0 of a buffer of size bytes, from `start`, wrapping with a zero
// header as the kernel does; returns the index after the last one.
uint32_t write_legacy(std::vector<std::byte> &buf, uint32_t start,
		      const std::vector<LegacyRecord> &records)
{
	uint32_t index = start;
	for (const auto &r : records) {
		uint32_t len =
			(16 + static_cast<uint32_t>(r.text.size() + r.dict.size()) + 7) & ~7u;
		if (index + len + 16 > buf.size()) {
			std::fill(buf.begin() + index, buf.begin() + index + 16, std::byte{0});
			index = 0;
		}
		store_le<uint64_t>(buf.data() + index, r.ts_nsec);
		store_le<uint16_t>(buf.data() + index + 8, static_cast<uint16_t>(len));
		store_le<uint16_t>(buf.data() + index + 10, static_cast<uint16_t>(r.text.size()));
		store_le<uint16_t>(buf.data() + index + 12, static_cast<uint16_t>(r.dict.size()));
		std::memcpy(buf.data() + index + 16, r.text.data(), r.text.size());
		std::memcpy(buf.data() + index + 16 + r.text.size(), r.dict.data(), r.dict.size());
		index += len;
	}
	return index;
}

TEST(KernelLog, LegacyRecordsWrapWithAZeroHeader)
{
	KernelImage image;
	const uint64_t buf_at = 0xffffffff83000000;
	auto &buf = image.region(buf_at, 160);
	uint32_t first = 96;
	std::string dict("SUBSYSTEM=pci\0DEVICE=+pci:0", 27);
	uint32_t next = write_legacy(buf, first,
				     {{"early", "", 1000},
				      {"pci", dict, 2000},
				      {"after the wrap", "", 3000000000}});
	image.put_u64(0xffffffff82000000, buf_at);
	image.put_u64(0xffffffff82000008, 160);
	image.put_u64(0xffffffff82000010, first);
	image.put_u64(0xffffffff82000018, next);
	KernelLog log = read_kernel_log(legacy_vmcoreinfo, image.reader());
	EXPECT_EQ(log.problem, "");
	EXPECT_EQ(texts(log), (std::vector<std::string>{"early", "pci", "after the wrap"}));
	EXPECT_EQ(log.records[2].ts_nsec, 3000000000u);

	image.put_u64(0xffffffff82000010, 200); // the first index past the buffer
	EXPECT_EQ(read_kernel_log(legacy_vmcoreinfo, image.reader()).problem,
		  "log_buf's length and indices are invalid");
}

TEST(KernelLog, LegacyRecordTooShortForItsTextStopsTheWalk)
{
	KernelImage image;
	const uint64_t buf_at = 0xffffffff83000000;
	auto &buf = image.region(buf_at, 256);
	uint32_t next =
		write_legacy(buf, 0, {{"fine", "", 1}, {"broken", "", 2}, {"unreachable", "", 3}});
	store_le<uint16_t>(buf.data() + 24 + 10, 200); // text_len of the second record
	image.put_u64(0xffffffff82000000, buf_at);
	image.put_u64(0xffffffff82000008, 256);
	image.put_u64(0xffffffff82000010, 0);
	image.put_u64(0xffffffff82000018, next);
	KernelLog log = read_kernel_log(legacy_vmcoreinfo, image.reader());
	EXPECT_EQ(texts(log), (std::vector<std::string>{"fine"}));
	EXPECT_EQ(log.problem,
		  "the log could not be followed to its end; 1 damaged records left out");
}

// A next index that no record lands on (damage, or a record being written): the walk stops at
// it instead of going round the buffer again, so no record is printed twice.
TEST(KernelLog, LegacyRecordSteppingOverTheEndStopsTheWalk)
{
	KernelImage image;
	const uint64_t buf_at = 0xffffffff83000000;
	auto &buf = image.region(buf_at, 128);
	write_legacy(buf, 0, {{"one", "", 1}, {"two", "", 2}, {"three", "", 3}, {"four", "", 4}});
	image.put_u64(0xffffffff82000000, buf_at);
	image.put_u64(0xffffffff82000008, 128);
	image.put_u64(0xffffffff82000010, 0);
	image.put_u64(0xffffffff82000018, 40); // inside the second record (24 bytes each)
	KernelLog log = read_kernel_log(legacy_vmcoreinfo, image.reader());
	EXPECT_EQ(texts(log), (std::vector<std::string>{"one"}));
	EXPECT_EQ(log.problem,
		  "the log could not be followed to its end; 1 damaged records left out");
}

// Offsets are parsed as numbers the guest wrote: one that is negative (a huge unsigned value)
// must not wrap a bounds check around and send a read outside the structure.
TEST(KernelLog, HugeOrNegativeOffsetsAreRefused)
{
	KernelImage image;
	RingWriter writer(image, 4, 10);
	writer.add("one", 1);
	for (const char *entry :
	     {"OFFSET(prb_desc_ring.count_bits)=0\n", "OFFSET(printk_info.ts_nsec)=8\n"}) {
		std::string wrong = lockless_vmcoreinfo;
		std::string key(entry, std::strchr(entry, '=') + 1);
		wrong.replace(wrong.find(entry), std::strlen(entry), key + "-8\n");
		KernelLog log = read_kernel_log(wrong, image.reader());
		EXPECT_TRUE(log.records.empty()) << key;
		EXPECT_EQ(log.problem,
			  "VMCOREINFO's printk structure sizes and offsets do not fit together")
			<< key;
	}
	std::string legacy = legacy_vmcoreinfo;
	legacy.replace(legacy.find("OFFSET(printk_log.ts_nsec)=0"), 28,
		       "OFFSET(printk_log.ts_nsec)=-8");
	EXPECT_EQ(read_kernel_log(legacy, image.reader()).problem,
		  "VMCOREINFO's printk_log size and offsets do not fit together");
}

// A log larger than vmcorefs reads whole is said to be so, not called damaged.
TEST(KernelLog, ALogTooLargeToReadIsSaidToBe)
{
	KernelImage image;
	RingWriter writer(image, 2, 10);
	writer.add("one", 1);
	writer.set_u32(0, 23); // 2^23 descriptors and infos: 896 MiB
	writer.set_u32(48, 28);
	KernelLog log = read_kernel_log(lockless_vmcoreinfo, image.reader());
	EXPECT_TRUE(log.records.empty());
	EXPECT_EQ(log.problem, "the log is too large to read (1152 MiB with its bookkeeping; "
			       "vmcorefs reads up to 512 MiB)");
}

TEST(KernelLogText, ContinuationLinesAndBytesThatAreNotText)
{
	KernelLog log{{{12345678901, "first line\nsecond\tline\x1b[31m\xc3"}}, ""};
	EXPECT_EQ(format_dmesg(log), "[   12.345678] first line\n"
				     "               second\tline\\x1b[31m\\xc3\n");
}

TEST(KernelLogText, PanicLineAsCrashChoosesIt)
{
	KernelLog log{{{1, "one"},
		       {2, "two"},
		       {3, "Oops: 0002 [#1] PREEMPT SMP NOPTI"},
		       {4, "CPU: 0 PID: 1 Comm: sh"},
		       {5, "Kernel panic - not syncing: Fatal exception"},
		       {6, "---[ end Kernel panic ]---"}},
		      ""};
	auto panic = find_panic(log);
	ASSERT_TRUE(panic);
	EXPECT_EQ(panic->line, "Kernel panic - not syncing: Fatal exception");
	EXPECT_EQ(panic->ts_nsec, 5u);
	EXPECT_EQ(panic->before,
		  (std::vector<std::string>{"one", "two", "Oops: 0002 [#1] PREEMPT SMP NOPTI",
					    "CPU: 0 PID: 1 Comm: sh"}));
	// Without the panic line, the oops is the reason; with neither, the fallback phrases.
	log.records.erase(log.records.begin() + 4);
	EXPECT_EQ(find_panic(log)->line, "Oops: 0002 [#1] PREEMPT SMP NOPTI");
	EXPECT_FALSE(find_panic(KernelLog{{{1, "all is well"}}, ""}));
	EXPECT_EQ(find_panic(KernelLog{{{1, "a\nKernel panic at last"}}, ""})->line,
		  "Kernel panic at last");
}

} // namespace
} // namespace vmcorefs
