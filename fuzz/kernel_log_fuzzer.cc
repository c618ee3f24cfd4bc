// libFuzzer target for the guest kernel log decoders: any bytes as the guest kernel's memory.
// The first byte chooses the format (its low bit: the lockless ring buffer of Linux 6.1, or
// log_buf's records of Linux 5.4, with their VMCOREINFO) and whether VMCOREINFO is damaged too
// (bit 1: the next byte picks one of its entries and the 8 after it give that entry's value, as
// the kernel would print it: a size or offset may then be negative or huge). The rest is memory
// that every kernel address (0xffff800000000000 and up) reads a byte of: address A reads byte
// (A - SYMBOL) mod its length, the difference taken as unsigned, so that any pointer the fuzzer
// writes leads somewhere. Lower addresses are absent. Decoding must never crash, read out of
// bounds or allocate without bound, and what it returns must keep its promises (a failed check
// is a finding, via __builtin_trap): records hold at most 65535 bytes of text (u16 lengths), a
// decoder that left records out says so, and the texts made from the log are whole lines.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kernel/kernel_log.h"
#include "kernel/kernel_log_text.h"

using namespace vmcorefs;

namespace {

void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

constexpr uint64_t kernel_half = 0xffff800000000000, symbols = 0xffffffff82000000;

// Linux 6.1's lockless ring buffer on x86_64, as its VMCOREINFO says it; the symbol points at
// the start of the fuzzed memory.
const std::string lockless =
	"SYMBOL(prb)=ffffffff82000000\nSIZE(printk_ringbuffer)=88\n"
	"OFFSET(printk_ringbuffer.desc_ring)=0\nOFFSET(printk_ringbuffer.text_data_ring)=48\n"
	"OFFSET(prb_desc_ring.count_bits)=0\nOFFSET(prb_desc_ring.descs)=8\n"
	"OFFSET(prb_desc_ring.infos)=16\nOFFSET(prb_desc_ring.head_id)=24\n"
	"OFFSET(prb_desc_ring.tail_id)=32\nSIZE(prb_desc)=24\nOFFSET(prb_desc.state_var)=0\n"
	"OFFSET(prb_desc.text_blk_lpos)=8\nOFFSET(prb_data_blk_lpos.begin)=0\n"
	"OFFSET(prb_data_blk_lpos.next)=8\nSIZE(printk_info)=88\nOFFSET(printk_info.seq)=0\n"
	"OFFSET(printk_info.ts_nsec)=8\nOFFSET(printk_info.text_len)=16\n"
	"OFFSET(prb_data_ring.size_bits)=0\nOFFSET(prb_data_ring.data)=8\n"
	"OFFSET(atomic_long_t.counter)=0\n";

// Linux 5.4's log_buf, its variables at the start of the fuzzed memory.
const std::string legacy =
	"SYMBOL(log_buf)=ffffffff82000000\nSYMBOL(log_buf_len)=ffffffff82000008\n"
	"SYMBOL(log_first_idx)=ffffffff8200000c\nSYMBOL(log_next_idx)=ffffffff82000010\n"
	"SIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\nOFFSET(printk_log.len)=8\n"
	"OFFSET(printk_log.text_len)=10\nOFFSET(printk_log.dict_len)=12\n";

// vmcoreinfo with entry number `pick` (of its lines, modulo their count) set to `value`: hex for a
// SYMBOL(), signed decimal otherwise, as the kernel prints them.
std::string damage(const std::string &vmcoreinfo, uint8_t pick, uint64_t value)
{
	std::vector<std::string> lines;
	for (size_t at = 0, end; at < vmcoreinfo.size(); at = end + 1) {
		end = vmcoreinfo.find('\n', at);
		lines.push_back(vmcoreinfo.substr(at, end - at));
	}
	std::string &line = lines[pick % lines.size()];
	char number[32];
	if (line.rfind("SYMBOL(", 0) == 0)
		std::snprintf(number, sizeof number, "%llx",
			      static_cast<unsigned long long>(value));
	else
		std::snprintf(number, sizeof number, "%lld", static_cast<long long>(value));
	line = line.substr(0, line.find('=') + 1) + number;
	std::string out;
	for (const auto &l : lines)
		out += l + "\n";
	return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	std::string vmcoreinfo = data[0] & 1 ? legacy : lockless;
	size_t header = 1;
	if ((data[0] & 2) && size >= 11) {
		uint64_t value;
		std::memcpy(&value, data + 2, sizeof value);
		vmcoreinfo = damage(vmcoreinfo, data[1], value);
		header = 10;
	}
	if (size <= header)
		return 0;
	const uint8_t *memory = data + header;
	uint64_t length = size - header;
	KernelReader read = [&](uint64_t vaddr, void *dst, size_t n) -> Result<void> {
		if (vaddr < kernel_half)
			return make_error(ErrorCode::absent, "", "absent", vaddr);
		auto *out = static_cast<uint8_t *>(dst);
		uint64_t at = (vaddr - symbols) % length;
		for (size_t i = 0; i < n; i++, at = at + 1 == length ? 0 : at + 1)
			out[i] = memory[at];
		return {};
	};
	KernelLog log = read_kernel_log(vmcoreinfo, read);
	for (const LogRecord &r : log.records)
		check(r.text.size() <= UINT16_MAX);
	std::string text = format_dmesg(log);
	check(text.empty() || text.back() == '\n');
	check(log.problem.find('\n') == std::string::npos);
	if (auto panic = find_panic(log)) {
		check(panic->line.find('\n') == std::string::npos);
		check(panic->before.size() <= 5);
	}
	return 0;
}
