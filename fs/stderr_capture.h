// StderrCapture: stderr redirected into memory for the life of the object (RAII), for the calls
// into libfuse that report on stderr. libfuse says why a mount failed there, and so does
// fusermount3, the setuid helper it runs for users who may not mount; vmcorefs's errors are one
// line, so what they wrote becomes the reason in that line. Redirects file descriptor 2 itself
// (fusermount3 is another process): use it only while no other thread writes to stderr.
#pragma once

#include <string>

namespace vmcorefs {

class StderrCapture {
public:
	// Captures nothing (stderr untouched) when no memfd can be made.
	StderrCapture();
	~StderrCapture() { restore(); }
	StderrCapture(const StderrCapture &) = delete;
	StderrCapture &operator=(const StderrCapture &) = delete;

	// Restores stderr and returns what was written to it meanwhile.
	std::string finish();

private:
	void restore();

	int memfd_ = -1;
	int saved_ = -1;
};

// Captured libfuse/fusermount3 output as one line: their "fuse: " and "fusermount3: " prefixes
// dropped, lines joined with "; ".
std::string one_line(const std::string &text);

} // namespace vmcorefs
