// Guest-physical memory for the page-table tests: the 8-byte words a test sets, anything else
// absent.
#pragma once

#include <cstdint>
#include <map>

#include "kernel/kernel_memory.h"

namespace vmcorefs {

class PhysicalMemory {
public:
	void set(uint64_t paddr, uint64_t value) { words_[paddr] = value; }
	// Every word of the page at paddr present, zero but for those set.
	void add_page(uint64_t paddr)
	{
		for (uint64_t at = paddr; at < paddr + 4096; at += 8)
			words_.try_emplace(at, 0);
	}
	PhysicalReader reader() const
	{
		return [this](uint64_t paddr, void *dst, size_t length) -> Result<void> {
			auto *out = static_cast<unsigned char *>(dst);
			for (size_t i = 0; i < length; i++) {
				auto word = words_.find((paddr + i) & ~uint64_t{7});
				if (word == words_.end())
					return make_error(ErrorCode::absent, "", "absent",
							  paddr + i);
				out[i] = static_cast<unsigned char>(word->second >>
								    8 * ((paddr + i) & 7));
			}
			return {};
		};
	}

private:
	std::map<uint64_t, uint64_t> words_;
};

// Index of vaddr in the table of an x86_64 level (1 = page table ... 5).
inline uint64_t x86_index(uint64_t vaddr, unsigned level)
{
	return (vaddr >> (12 + 9 * (level - 1))) & 511;
}

} // namespace vmcorefs
