#include "kernel/kernel_log.h"

#include <optional>

#include "base/byte_order.h"
#include "kernel/vmcoreinfo_text.h"

namespace vmcorefs {
namespace {

constexpr uint64_t page_size = 4096;
// log_buf_len= takes at most 2 GiB: a larger size is damage.
constexpr unsigned max_size_bits = 31;
// What vmcorefs reads whole (text, descriptors and infos together): Linux's default log is 128
// KiB of text and a few MiB are common; a 64 MiB log_buf_len= needs 288 MiB with its descriptors.
constexpr uint64_t max_log_bytes = uint64_t{512} << 20;
// Structures are a few dozen bytes: a size or offset in VMCOREINFO above this is damage, and
// below it sums of a few of them cannot wrap around.
constexpr uint64_t max_struct_size = 4096;

// Guest memory read page by page: a page that cannot be read is marked absent, never zeros, and
// the first reason is kept for the user.
class GuestBuffer {
public:
	GuestBuffer(const KernelReader &read, uint64_t vaddr, uint64_t size)
		: vaddr_(vaddr), bytes_(size)
	{
		uint64_t skew = vaddr & (page_size - 1);
		present_.resize((skew + size + page_size - 1) / page_size);
		for (uint64_t page = 0, offset = 0; offset < size; ++page) {
			uint64_t n = std::min(size - offset,
					      page_size - ((skew + offset) & (page_size - 1)));
			auto done = read(vaddr + offset, bytes_.data() + offset, n);
			present_[page] = done.ok();
			if (!done && !error)
				error = done.error().message;
			offset += n;
		}
	}

	// All of [offset, offset + length) is inside the buffer and was read.
	bool has(uint64_t offset, uint64_t length) const
	{
		if (offset > bytes_.size() || length > bytes_.size() - offset)
			return false;
		uint64_t skew = vaddr_ & (page_size - 1);
		for (uint64_t page = (skew + offset) / page_size;
		     length > 0 && page <= (skew + offset + length - 1) / page_size; ++page)
			if (!present_[page])
				return false;
		return true;
	}
	const std::byte *at(uint64_t offset) const { return bytes_.data() + offset; }
	template <typename T> T load(uint64_t offset) const { return load_le<T>(at(offset)); }

	std::optional<std::string> error; // why the first unreadable page could not be read

private:
	uint64_t vaddr_;
	std::vector<std::byte> bytes_;
	std::vector<bool> present_; // per page of the guest
};

// The VMCOREINFO entries a decoder needs, each checked once: present, and a structure's size or a
// member's offset no larger than max_struct_size.
class Entries {
public:
	explicit Entries(const std::string &text) : text_(text) {}
	uint64_t get(const std::string &key)
	{
		bool address = key.rfind("SYMBOL(", 0) == 0;
		auto v = vmcoreinfo_number(text_, key, address ? 16 : 10);
		if (!v && missing.empty())
			missing = key;
		if (v && !address && *v > max_struct_size && oversized.empty())
			oversized = key;
		return v.value_or(0);
	}
	std::string missing;   // the first entry asked for and not there
	std::string oversized; // the first size or offset above max_struct_size

private:
	const std::string &text_;
};

// Reads a pointer-sized variable.
std::optional<uint64_t> read_u64(const KernelReader &read, uint64_t vaddr, std::string &problem)
{
	std::byte raw[8];
	auto done = read(vaddr, raw, sizeof raw);
	if (!done) {
		problem = done.error().message;
		return std::nullopt;
	}
	return load_le<uint64_t>(raw);
}

std::string too_large(uint64_t bytes)
{
	return "the log is too large to read (" + std::to_string(bytes >> 20) +
	       " MiB with its bookkeeping; vmcorefs reads up to " +
	       std::to_string(max_log_bytes >> 20) + " MiB)";
}

std::string damaged(uint64_t count, const char *what)
{
	return std::to_string(count) + " damaged " + what + " left out";
}

// Linux 5.10 and later: kernel/printk/printk_ringbuffer.h. A descriptor ring (state and data
// position of each record) beside an info array (sequence, time, length, device), and a data
// ring of text blocks, each starting with its descriptor's id.
class LocklessDecoder {
public:
	LocklessDecoder(const std::string &vmcoreinfo, const KernelReader &read)
		: e_(vmcoreinfo), read_(read)
	{
	}
	KernelLog decode();

private:
	void record(uint64_t id, const GuestBuffer &descs, const GuestBuffer &infos,
		    const GuestBuffer &data, KernelLog &log);

	Entries e_;
	const KernelReader &read_;
	uint64_t count_ = 0, data_size_ = 0;
	uint64_t desc_size_ = 0, state_offset_ = 0, begin_offset_ = 0, next_offset_ = 0;
	uint64_t info_size_ = 0, seq_offset_ = 0, ts_offset_ = 0, text_len_offset_ = 0;
	uint64_t damaged_ = 0;
};

// The state of a descriptor: the top two bits of state_var; the rest is the record's id.
constexpr unsigned desc_state_shift = 62;
constexpr uint64_t desc_id_mask = ~(uint64_t{3} << desc_state_shift);
constexpr uint64_t desc_committed = 1, desc_finalized = 2;

KernelLog LocklessDecoder::decode()
{
	KernelLog log;
	uint64_t prb_symbol = e_.get("SYMBOL(prb)");
	uint64_t rb_size = e_.get("SIZE(printk_ringbuffer)");
	uint64_t desc_ring = e_.get("OFFSET(printk_ringbuffer.desc_ring)");
	uint64_t text_ring = e_.get("OFFSET(printk_ringbuffer.text_data_ring)");
	uint64_t count_bits = e_.get("OFFSET(prb_desc_ring.count_bits)");
	uint64_t descs_at = e_.get("OFFSET(prb_desc_ring.descs)");
	uint64_t infos_at = e_.get("OFFSET(prb_desc_ring.infos)");
	uint64_t head_at = e_.get("OFFSET(prb_desc_ring.head_id)");
	uint64_t tail_at = e_.get("OFFSET(prb_desc_ring.tail_id)");
	uint64_t size_bits = e_.get("OFFSET(prb_data_ring.size_bits)");
	uint64_t data_at = e_.get("OFFSET(prb_data_ring.data)");
	uint64_t counter = e_.get("OFFSET(atomic_long_t.counter)");
	desc_size_ = e_.get("SIZE(prb_desc)");
	state_offset_ = e_.get("OFFSET(prb_desc.state_var)") + counter;
	uint64_t lpos = e_.get("OFFSET(prb_desc.text_blk_lpos)");
	begin_offset_ = lpos + e_.get("OFFSET(prb_data_blk_lpos.begin)");
	next_offset_ = lpos + e_.get("OFFSET(prb_data_blk_lpos.next)");
	info_size_ = e_.get("SIZE(printk_info)");
	seq_offset_ = e_.get("OFFSET(printk_info.seq)");
	ts_offset_ = e_.get("OFFSET(printk_info.ts_nsec)");
	text_len_offset_ = e_.get("OFFSET(printk_info.text_len)");
	if (!e_.missing.empty()) {
		log.problem = vmcoreinfo_lacks(e_.missing);
		return log;
	}
	// Every offset lies inside its structure; the structures are small.
	bool fits = e_.oversized.empty();
	for (uint64_t end :
	     {desc_ring + count_bits + 4, desc_ring + descs_at + 8, desc_ring + infos_at + 8,
	      desc_ring + head_at + counter + 8, desc_ring + tail_at + counter + 8,
	      text_ring + size_bits + 4, text_ring + data_at + 8})
		fits = fits && end <= rb_size;
	for (uint64_t end : {state_offset_ + 8, begin_offset_ + 8, next_offset_ + 8})
		fits = fits && end <= desc_size_;
	for (uint64_t end : {seq_offset_ + 8, ts_offset_ + 8, text_len_offset_ + 2})
		fits = fits && end <= info_size_;
	if (!fits) {
		log.problem = "VMCOREINFO's printk structure sizes and offsets do not fit together";
		return log;
	}

	auto prb = read_u64(read_, prb_symbol, log.problem);
	if (!prb)
		return log;
	GuestBuffer rb(read_, *prb, rb_size);
	if (!rb.has(0, rb_size)) {
		log.problem = "the printk ring buffer is not readable: " + rb.error.value_or("");
		return log;
	}
	uint64_t cbits = rb.load<uint32_t>(desc_ring + count_bits);
	uint64_t sbits = rb.load<uint32_t>(text_ring + size_bits);
	if (sbits > max_size_bits || cbits > sbits) {
		log.problem = "the printk ring buffer's sizes are invalid (2^" +
			      std::to_string(cbits) + " records, 2^" + std::to_string(sbits) +
			      " bytes)";
		return log;
	}
	uint64_t total =
		(uint64_t{1} << cbits) * (desc_size_ + info_size_) + (uint64_t{1} << sbits);
	if (total > max_log_bytes) {
		log.problem = too_large(total);
		return log;
	}
	count_ = uint64_t{1} << cbits;
	data_size_ = uint64_t{1} << sbits;
	GuestBuffer descs(read_, rb.load<uint64_t>(desc_ring + descs_at), count_ * desc_size_);
	GuestBuffer infos(read_, rb.load<uint64_t>(desc_ring + infos_at), count_ * info_size_);
	GuestBuffer data(read_, rb.load<uint64_t>(text_ring + data_at), data_size_);
	uint64_t head = rb.load<uint64_t>(desc_ring + head_at + counter) & desc_id_mask;
	uint64_t tail = rb.load<uint64_t>(desc_ring + tail_at + counter) & desc_id_mask;

	// From the oldest record to the newest: at most one lap of the descriptor ring.
	uint64_t id = tail, visited = 0;
	for (; visited < count_; ++visited, id = (id + 1) & desc_id_mask) {
		record(id, descs, infos, data, log);
		if (id == head)
			break;
	}
	std::vector<std::string> problems;
	if (visited == count_)
		problems.push_back("the ring buffer's head and tail are more than one lap apart");
	for (const GuestBuffer *b : {&descs, &infos, &data})
		if (b->error) {
			problems.push_back("part of the log is not in the core: " + *b->error);
			break;
		}
	if (damaged_)
		problems.push_back(damaged(damaged_, "records"));
	for (const auto &p : problems)
		log.problem += (log.problem.empty() ? "" : "; ") + p;
	return log;
}

void LocklessDecoder::record(uint64_t id, const GuestBuffer &descs, const GuestBuffer &infos,
			     const GuestBuffer &data, KernelLog &log)
{
	uint64_t index = id & (count_ - 1);
	uint64_t desc = index * desc_size_, info = index * info_size_;
	if (!descs.has(desc, desc_size_) || !infos.has(info, info_size_))
		return; // said once, as the buffer's error
	uint64_t state_var = descs.load<uint64_t>(desc + state_offset_);
	uint64_t state = state_var >> desc_state_shift;
	// A descriptor of another lap, or one being written or already recycled: not a record.
	if ((state_var & desc_id_mask) != id ||
	    (state != desc_committed && state != desc_finalized))
		return;
	if ((infos.load<uint64_t>(info + seq_offset_) & (count_ - 1)) != index) {
		++damaged_;
		return;
	}
	LogRecord r;
	r.ts_nsec = infos.load<uint64_t>(info + ts_offset_);
	// The text block: [begin, next) in data-ring positions, which count laps. A block that
	// would cross the end of the ring is stored from the ring's start instead; a record
	// without text has none (odd positions).
	uint64_t begin = descs.load<uint64_t>(desc + begin_offset_);
	uint64_t next = descs.load<uint64_t>(desc + next_offset_);
	uint64_t text_len = infos.load<uint16_t>(info + text_len_offset_);
	// A record without text (an empty message, or text the kernel had no room for): dmesg
	// tools print nothing for it, and neither does vmcorefs.
	if ((begin & 1) && (next & 1))
		return;
	uint64_t lap_mask = ~(data_size_ - 1);
	uint64_t start, length;
	if ((begin & lap_mask) == (next & lap_mask) && begin < next) {
		start = begin & (data_size_ - 1);
		length = next - begin;
	} else if (((begin + data_size_) & lap_mask) == (next & lap_mask)) {
		start = 0;
		length = next & (data_size_ - 1);
	} else {
		++damaged_;
		return;
	}
	if (length < 8 || (begin & 7) || (next & 7)) {
		++damaged_;
		return;
	}
	if (!data.has(start, length))
		return; // said once, as the buffer's error
	// The block starts with the id of its descriptor; a text the kernel truncated to fit the
	// block is printed as far as the block goes.
	if ((data.load<uint64_t>(start) & desc_id_mask) != id) {
		++damaged_;
		return;
	}
	length = std::min(length - 8, text_len);
	r.text.assign(reinterpret_cast<const char *>(data.at(start + 8)), length);
	log.records.push_back(std::move(r));
}

// Linux 3.5 to 5.9: kernel/printk/printk.c's struct printk_log (struct log before 3.11) records,
// one after another in log_buf; a record of length 0 sends the reader back to the start.
KernelLog legacy_log(const std::string &vmcoreinfo, const KernelReader &read)
{
	KernelLog log;
	Entries e(vmcoreinfo);
	std::string type = vmcoreinfo_value(vmcoreinfo, "SIZE(printk_log)") ? "printk_log" : "log";
	uint64_t buf_symbol = e.get("SYMBOL(log_buf)");
	uint64_t len_symbol = e.get("SYMBOL(log_buf_len)");
	uint64_t first_symbol = e.get("SYMBOL(log_first_idx)");
	uint64_t next_symbol = e.get("SYMBOL(log_next_idx)");
	uint64_t header = e.get("SIZE(" + type + ")");
	uint64_t ts_at = e.get("OFFSET(" + type + ".ts_nsec)");
	uint64_t len_at = e.get("OFFSET(" + type + ".len)");
	uint64_t text_len_at = e.get("OFFSET(" + type + ".text_len)");
	uint64_t dict_len_at = e.get("OFFSET(" + type + ".dict_len)");
	if (!e.missing.empty()) {
		log.problem = vmcoreinfo_lacks(e.missing);
		return log;
	}
	if (!e.oversized.empty() || ts_at + 8 > header || len_at + 2 > header ||
	    text_len_at + 2 > header || dict_len_at + 2 > header) {
		log.problem = "VMCOREINFO's printk_log size and offsets do not fit together";
		return log;
	}
	auto buf = read_u64(read, buf_symbol, log.problem);
	if (!buf)
		return log;
	uint32_t values[3];
	for (int i = 0; uint64_t symbol : {len_symbol, first_symbol, next_symbol}) {
		std::byte raw[4];
		auto done = read(symbol, raw, sizeof raw);
		if (!done) {
			log.problem = done.error().message;
			return log;
		}
		values[i++] = load_le<uint32_t>(raw);
	}
	auto [buf_len, first, next] = values;
	if (buf_len == 0 || buf_len > (uint64_t{1} << max_size_bits) || first >= buf_len ||
	    next >= buf_len) {
		log.problem = "log_buf's length and indices are invalid";
		return log;
	}
	if (buf_len > max_log_bytes) {
		log.problem = too_large(buf_len);
		return log;
	}
	GuestBuffer data(read, *buf, buf_len);
	uint64_t damaged_records = 0;
	// From first to next, wrapping to the start of the buffer once if first lies after next
	// and never otherwise; every record moves forward (len > 0). A record that would step over
	// next, or a second wrap, means the walk lost its way.
	uint64_t index = first;
	bool may_wrap = first > next;
	while (index != next) {
		bool no_room = index + header > buf_len; // for a header: the writer wrapped
		if (!no_room && !data.has(index, header))
			break; // unreadable: said as the buffer's error
		if (no_room || data.load<uint16_t>(index + len_at) == 0) {
			if (!may_wrap)
				break;
			may_wrap = false;
			index = 0;
			continue;
		}
		uint64_t len = data.load<uint16_t>(index + len_at);
		uint64_t text_len = data.load<uint16_t>(index + text_len_at);
		uint64_t dict_len = data.load<uint16_t>(index + dict_len_at);
		if (len < header + text_len + dict_len || !data.has(index, len) ||
		    (index < next && index + len > next)) {
			++damaged_records;
			break; // the next record's place is unknown
		}
		LogRecord r;
		r.ts_nsec = data.load<uint64_t>(index + ts_at);
		const char *text = reinterpret_cast<const char *>(data.at(index + header));
		r.text.assign(text, text_len);
		log.records.push_back(std::move(r));
		index += len;
	}
	std::vector<std::string> problems;
	if (index != next)
		problems.push_back("the log could not be followed to its end");
	if (data.error)
		problems.push_back("part of the log is not in the core: " + *data.error);
	if (damaged_records)
		problems.push_back(damaged(damaged_records, "records"));
	for (const auto &p : problems)
		log.problem += (log.problem.empty() ? "" : "; ") + p;
	return log;
}

} // namespace

KernelLog read_kernel_log(const std::string &vmcoreinfo, const KernelReader &read)
{
	if (vmcoreinfo.empty())
		return {{}, "the guest published no VMCOREINFO"};
	if (vmcoreinfo_value(vmcoreinfo, "SYMBOL(prb)"))
		return LocklessDecoder(vmcoreinfo, read).decode();
	if (vmcoreinfo_value(vmcoreinfo, "SYMBOL(log_buf)"))
		return legacy_log(vmcoreinfo, read);
	return {{},
		"VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf): the kernel did not "
		"publish its log buffer"};
}

} // namespace vmcorefs
