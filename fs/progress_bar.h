// A one-line progress bar on stderr ("vmcorefs: LABEL 42% (215 of 512 MiB)"), redrawn in place,
// shown only when stderr is a terminal: --extract and the decompression of compressed cores.
#pragma once

#include <cstdint>
#include <string>

namespace vmcorefs {

class ProgressBar {
public:
	explicit ProgressBar(std::string label);
	~ProgressBar(); // ends a line left unfinished by an error or a signal
	ProgressBar(const ProgressBar &) = delete;
	ProgressBar &operator=(const ProgressBar &) = delete;
	void reached(uint64_t done, uint64_t total);

private:
	std::string label_;
	bool shown_;
	int percent_ = -1;
};

} // namespace vmcorefs
