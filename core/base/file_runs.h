// FileRuns: where a file's holes are, so that a reader can send zeros for them instead of faulting
// the core's mapping, which fills the page cache with pages of zeros (a 1 TiB guest's core is
// mostly holes). It is the one place that asks: the mount's reads and its SEEK_DATA/SEEK_HOLE
// (ExtentTable), --extract and the VMCOREINFO scan all go through it, so that all of them keep its
// rule that bytes past the end of a file that shrank are data, never zeros. It asks the file
// system with lseek(SEEK_DATA / SEEK_HOLE) and remembers the last run of data it found, so a
// sequential reader of data costs one lseek per run, not per read. Holes are asked afresh each
// time: if the file shrinks, a remembered hole would turn bytes that are gone into zeros, where a
// remembered run of data only makes the read fail, as it must. One object per thread: lseek
// moves the fd's file position, which nothing of ours uses (reads are positional).
#pragma once

#include <cstdint>

namespace vmcorefs {

struct FileRun {
	uint64_t end; // where the run that holds the asked offset ends
	bool hole;
};

class FileRuns {
public:
	explicit FileRuns(int fd) : fd_(fd) {}
	int fd() const { return fd_; }
	// The run holding `offset`. Offsets at or past the file's current end are data: reading
	// them must fail (the file shrank), never pass for zeros. A file system that cannot tell
	// makes the whole file one run of data, as lseek(2) allows.
	FileRun at(uint64_t offset);

private:
	int fd_;
	uint64_t data_start_ = 0, data_end_ = 0; // the last run of data found
};

} // namespace vmcorefs
