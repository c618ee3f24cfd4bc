// The FUSE front end end to end: a synthetic guest over a sparse file pretending to be a core,
// laid out by FileTree, mounted by FuseMount in a child process and read through the kernel as
// crash and cp would. Also --extract's copying, which must give the same bytes.
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <set>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "extract.h"
#include "file_tree.h"
#include "fuse_mount.h"
#include "output_file.h"
#include "source/mapped_file.h"
#include "vmcore/vmcore_layout.h"

namespace vmcorefs {
namespace {

constexpr uint64_t page = 4096;
constexpr int timeout_ms = 20000;

using Bytes = std::vector<uint8_t>;

class TempDir {
public:
	TempDir()
	{
		char name[] = "/tmp/vmcorefs-fuse-test.XXXXXX";
		if (!mkdtemp(name))
			throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
		path_ = name;
	}
	~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
	std::string file(const std::string &name) const { return path_ + "/" + name; }
	const std::string &path() const { return path_; }

private:
	std::string path_;
};

// Bytes whose values depend on their position and seed, so a read from the wrong place shows.
Bytes pattern(size_t size, uint8_t seed)
{
	Bytes bytes(size);
	for (size_t i = 0; i < size; i++)
		bytes[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 12));
	return bytes;
}

// The pretend core: 16 pages; data in pages 0-1, 6-7 and 10-13, holes elsewhere.
struct FakeCore {
	static constexpr uint64_t size = 16 * page;
	static void write(const std::string &path)
	{
		int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
		ASSERT_GE(fd, 0);
		for (uint64_t first : {0, 6, 10}) {
			uint64_t pages = first == 10 ? 4 : 2;
			Bytes data = pattern(pages * page, static_cast<uint8_t>(first));
			auto at = static_cast<off_t>(first * page);
			ASSERT_EQ(pwrite(fd, data.data(), data.size(), at),
				  static_cast<ssize_t>(data.size()));
		}
		ASSERT_EQ(ftruncate(fd, size), 0);
		::close(fd);
	}
};

GuestMemoryMap synthetic_map()
{
	GuestMemoryMap map;
	// Guest [0, 0x4000): core pages 0-3 (data, data, hole, hole).
	map.segments.push_back({0, 0x4000, {{0, 0x4000, 0}}});
	// Guest [0x100000, 0x106000): core pages 6-7, then 10-13.
	map.segments.push_back({0x100000,
				0x106000,
				{{0x100000, 0x2000, 6 * page}, {0x102000, 0x4000, 10 * page}}});
	RamBlockInfo ram{"pc.ram", 0x7f0000000000, 0, 0x6000, 0x6000, 0, -1, {}};
	ram.pieces = {{0x7f0000000000, 0x4000, 0, AbsentReason::unmapped},
		      {0x7f0000004000, 0x2000, std::nullopt, AbsentReason::not_dumped}};
	RamBlockInfo vram{"0000:00:02.0/vga.vram", 0x7f1000000000, 0, 0x2000, 0x2000, 0, -1, {}};
	vram.pieces = {{0x7f1000000000, 0x2000, 6 * page, AbsentReason::unmapped}};
	// 2048 pieces of 32 bytes, alternating between core pages 0 and 10: more pieces in one
	// READ than one writev takes.
	RamBlockInfo many{"many", 0x7f2000000000, 0, 0x10000, 0x10000, 0, -1, {}};
	for (uint64_t i = 0; i < 2048; i++) {
		uint64_t core_offset = (i % 2 ? 10 * page : 0) + i % 128 * 32;
		many.pieces.push_back(
			{many.host + i * 32, 32, core_offset, AbsentReason::unmapped});
	}
	map.ramblocks = {ram, vram, many};
	for (int i = 0; i < 0x3c; i++)
		map.notes.push_back(static_cast<std::byte>(0xa0 + i));
	return map;
}

const TreeTexts texts{[] { return "info text\n"; }, [] { return "{\"info\": true}\n"; },
		      [] { return "[    0.000000] Linux version\n"; }};

// The expected bytes of a served file: its extents, with core bytes read from the core by pread.
Bytes expected_bytes(const ExtentTable &table, int core_fd)
{
	Bytes bytes(table.size());
	for (const Extent &e : table.extents()) {
		if (e.source == Extent::Source::generated) {
			const std::byte *from = table.generated().data() + e.source_offset;
			std::memcpy(bytes.data() + e.offset, from, e.length);
		} else if (e.source == Extent::Source::core) {
			EXPECT_EQ(pread(core_fd, bytes.data() + e.offset, e.length,
					static_cast<off_t>(e.source_offset)),
				  static_cast<ssize_t>(e.length));
		}
	}
	return bytes;
}

Bytes core_bytes(const std::string &core, uint64_t offset, size_t length)
{
	Bytes bytes(length);
	int fd = ::open(core.c_str(), O_RDONLY);
	EXPECT_EQ(pread(fd, bytes.data(), length, static_cast<off_t>(offset)),
		  static_cast<ssize_t>(length));
	::close(fd);
	return bytes;
}

// Reads a whole file through the kernel; errno of the first failing read in *error.
Bytes read_file(const std::string &path, int *error = nullptr)
{
	Bytes bytes;
	int fd = ::open(path.c_str(), O_RDONLY);
	EXPECT_GE(fd, 0) << path << ": " << std::strerror(errno);
	Bytes buffer(1 << 20);
	for (ssize_t n; (n = ::read(fd, buffer.data(), buffer.size())) != 0;) {
		if (n < 0) {
			if (error)
				*error = errno;
			break;
		}
		bytes.insert(bytes.end(), buffer.begin(), buffer.begin() + n);
	}
	::close(fd);
	return bytes;
}

std::set<std::string> list_directory(const std::string &path)
{
	std::set<std::string> names;
	DIR *dir = opendir(path.c_str());
	EXPECT_NE(dir, nullptr) << path;
	while (dirent *entry = dir ? readdir(dir) : nullptr)
		names.insert(entry->d_name);
	if (dir)
		closedir(dir);
	return names;
}

// A mount served by a child process (so that a crash in the daemon fails the test instead of
// killing it). The child says when the mount is ready through a pipe; the destructor always
// unmounts and reaps the child, killing it if it does not exit in time.
class ChildMount {
public:
	ChildMount(const std::string &core, const std::string &mountpoint, const std::string &log)
		: mountpoint_(mountpoint)
	{
		int ready[2];
		if (pipe2(ready, O_CLOEXEC) != 0)
			return;
		child_ = fork();
		if (child_ == 0) {
			::close(ready[0]);
			_exit(serve_in_child(core, mountpoint, log, ready[1]));
		}
		::close(ready[1]);
		pollfd p = {ready[0], POLLIN, 0};
		char byte = 0;
		mounted_ = poll(&p, 1, timeout_ms) == 1 && ::read(ready[0], &byte, 1) == 1 &&
			   byte == 'r';
		::close(ready[0]);
	}
	~ChildMount()
	{
		// umount2 needs root; fusermount3 (setuid) does it for the user who mounted.
		if (mounted_ && umount2(mountpoint_.c_str(), 0) != 0 &&
		    umount2(mountpoint_.c_str(), MNT_DETACH) != 0)
			std::system(("fusermount3 -u -z '" + mountpoint_ + "'").c_str());
		if (child_ > 0)
			reap();
	}
	ChildMount(const ChildMount &) = delete;
	ChildMount &operator=(const ChildMount &) = delete;

	bool mounted() const { return mounted_; }

private:
	static int serve_in_child(const std::string &core_path, const std::string &mountpoint,
				  const std::string &log, int ready)
	{
		int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(log_fd, STDERR_FILENO);
		auto core = MappedFile::open(core_path);
		if (!core)
			return 1;
		auto tree = FileTree::build(synthetic_map(), *core, texts);
		if (!tree)
			return 2;
		auto mount = FuseMount::mount(*tree, *core, {mountpoint, {}, false});
		if (!mount)
			return 3;
		if (::write(ready, "r", 1) != 1)
			return 4;
		return (*mount)->serve().ok() ? 0 : 5;
	}

	void reap()
	{
		int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child_, 0));
		pollfd p = {pidfd, POLLIN, 0};
		if (pidfd < 0 || poll(&p, 1, timeout_ms) != 1)
			kill(child_, SIGKILL);
		if (pidfd >= 0)
			::close(pidfd);
		int status = 0;
		waitpid(child_, &status, 0);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			<< "the FUSE daemon ended with status " << status;
	}

	std::string mountpoint_;
	pid_t child_ = -1;
	bool mounted_ = false;
};

class FuseMountTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (access("/dev/fuse", R_OK | W_OK) != 0)
			GTEST_SKIP() << "/dev/fuse is missing or not usable here: "
				     << std::strerror(errno);
		core_ = dir_.file("core.1234");
		mnt_ = dir_.file("mnt");
		log_ = dir_.file("daemon.log");
		ASSERT_NO_FATAL_FAILURE(FakeCore::write(core_));
		// Readable by owner and group only: the mount's files must say so too.
		ASSERT_EQ(chmod(core_.c_str(), 0640), 0);
		ASSERT_EQ(mkdir(mnt_.c_str(), 0755), 0);
		mount_ = std::make_unique<ChildMount>(core_, mnt_, log_);
		ASSERT_TRUE(mount_->mounted()) << "the daemon did not get the mount ready";
	}
	void TearDown() override { mount_.reset(); }

	std::string path(const std::string &name) const { return mnt_ + "/" + name; }
	ExtentTable vmcore_table() const { return build_vmcore_table(synthetic_map()).value(); }

	TempDir dir_;
	std::string core_, mnt_, log_;
	std::unique_ptr<ChildMount> mount_;
};

TEST_F(FuseMountTest, ListsTheTree)
{
	EXPECT_EQ(list_directory(mnt_),
		  (std::set<std::string>{".", "..", "guest.vmcore", "info", "info.json", "dmesg",
					 "blocks", "ramblocks"}));
	EXPECT_EQ(list_directory(path("blocks")),
		  (std::set<std::string>{".", "..", "0000000000000000-0000000000004000",
					 "0000000000100000-0000000000106000"}));
	EXPECT_EQ(list_directory(path("ramblocks")),
		  (std::set<std::string>{".", "..", "pc.ram", "0000:00:02.0%2Fvga.vram", "many"}));
	struct stat st;
	ASSERT_EQ(stat(path("guest.vmcore").c_str(), &st), 0);
	EXPECT_EQ(st.st_mode, S_IFREG | 0440);
	EXPECT_EQ(static_cast<uint64_t>(st.st_size), vmcore_table().size());
	ASSERT_EQ(stat(path("blocks").c_str(), &st), 0);
	EXPECT_EQ(st.st_mode, S_IFDIR | 0550);
	EXPECT_EQ(stat(path("nothing").c_str(), &st), -1);
	EXPECT_EQ(errno, ENOENT);
}

TEST_F(FuseMountTest, ServesTheBytesOfEveryFile)
{
	int core_fd = ::open(core_.c_str(), O_RDONLY);
	EXPECT_EQ(read_file(path("guest.vmcore")), expected_bytes(vmcore_table(), core_fd));
	::close(core_fd);
	Bytes block = core_bytes(core_, 6 * page, 2 * page);
	Bytes rest = core_bytes(core_, 10 * page, 4 * page);
	block.insert(block.end(), rest.begin(), rest.end());
	EXPECT_EQ(read_file(path("blocks/0000000000100000-0000000000106000")), block);
	EXPECT_EQ(read_file(path("blocks/0000000000000000-0000000000004000")),
		  core_bytes(core_, 0, 4 * page));
	EXPECT_EQ(read_file(path("ramblocks/0000:00:02.0%2Fvga.vram")),
		  core_bytes(core_, 6 * page, 2 * page));
	Bytes many(0x10000);
	for (uint64_t i = 0; i < 2048; i++) {
		Bytes piece = core_bytes(core_, (i % 2 ? 10 * page : 0) + i % 128 * 32, 32);
		std::copy(piece.begin(), piece.end(), many.begin() + static_cast<long>(i * 32));
	}
	EXPECT_EQ(read_file(path("ramblocks/many")), many);
	Bytes info = read_file(path("info"));
	EXPECT_EQ(std::string(info.begin(), info.end()), texts.info());
	Bytes json = read_file(path("info.json"));
	EXPECT_EQ(std::string(json.begin(), json.end()), texts.info_json());
	Bytes dmesg = read_file(path("dmesg"));
	EXPECT_EQ(std::string(dmesg.begin(), dmesg.end()), texts.dmesg());
}

TEST_F(FuseMountTest, ReadsAtTheEndAreShort)
{
	int fd = ::open(path("blocks/0000000000100000-0000000000106000").c_str(), O_RDONLY);
	ASSERT_GE(fd, 0);
	char buffer[100];
	EXPECT_EQ(pread(fd, buffer, sizeof buffer, 0x6000 - 10), 10);
	EXPECT_EQ(pread(fd, buffer, sizeof buffer, 0x6000), 0);
	::close(fd);
}

TEST_F(FuseMountTest, AbsentMemoryReadsFailWithEio)
{
	int fd = ::open(path("ramblocks/pc.ram").c_str(), O_RDONLY | O_DIRECT);
	ASSERT_GE(fd, 0);
	alignas(4096) static char buffer[page];
	EXPECT_EQ(pread(fd, buffer, page, 0), static_cast<ssize_t>(page));
	EXPECT_EQ(pread(fd, buffer, page, 0x4000), -1);
	EXPECT_EQ(errno, EIO);
	::close(fd);
}

TEST_F(FuseMountTest, EverythingThatWritesFailsWithErofs)
{
	std::string vmcore = path("guest.vmcore");
	EXPECT_EQ(::open(vmcore.c_str(), O_WRONLY), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(::open(path("new").c_str(), O_WRONLY | O_CREAT, 0644), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(truncate(vmcore.c_str(), 0), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(mkdir(path("dir").c_str(), 0755), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(unlink(path("info").c_str()), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(rename(path("info").c_str(), path("info2").c_str()), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(chmod(vmcore.c_str(), 0600), -1);
	EXPECT_EQ(errno, EROFS);
	EXPECT_EQ(setxattr(vmcore.c_str(), "user.x", "1", 1, 0), -1);
	EXPECT_EQ(errno, EROFS);
}

// SEEK_DATA and SEEK_HOLE through the kernel, against the core's holes (pages 2-3 of block 0).
TEST_F(FuseMountTest, SeekFindsTheCoresHoles)
{
	int fd = ::open(path("guest.vmcore").c_str(), O_RDONLY);
	ASSERT_GE(fd, 0);
	const off_t memory = static_cast<off_t>(page); // headers and notes fit in one page
	EXPECT_EQ(lseek(fd, 0, SEEK_DATA), 0);
	EXPECT_EQ(lseek(fd, 0, SEEK_HOLE), memory + 2 * static_cast<off_t>(page));
	EXPECT_EQ(lseek(fd, memory + 2 * page, SEEK_DATA), memory + 4 * static_cast<off_t>(page));
	EXPECT_EQ(lseek(fd, memory + 4 * page, SEEK_HOLE), memory + 10 * static_cast<off_t>(page));
	EXPECT_EQ(lseek(fd, memory + 10 * page, SEEK_DATA), -1);
	EXPECT_EQ(errno, ENXIO);
	::close(fd);
}

// The mount's readahead window: read_ahead_kb of its bdi, named by the device number stat gives
// (which also waits for INIT to be answered, the step that could have lowered the window again).
TEST_F(FuseMountTest, ReadsAheadAMebibyte)
{
	struct stat st;
	ASSERT_EQ(stat(mnt_.c_str(), &st), 0);
	std::string bdi = "/sys/class/bdi/" + std::to_string(major(st.st_dev)) + ":" +
			  std::to_string(minor(st.st_dev)) + "/read_ahead_kb";
	Bytes value = read_file(bdi);
	ASSERT_FALSE(value.empty()) << bdi;
	unsigned kib = static_cast<unsigned>(std::stoul(std::string(value.begin(), value.end())));
	// Only root may raise a bdi's window; anyone else keeps the kernel's default.
	if (geteuid() == 0)
		EXPECT_EQ(kib, 1024u);
	else
		EXPECT_LE(kib, 1024u);
}

std::string daemon_log(const std::string &log)
{
	Bytes bytes = read_file(log);
	return std::string(bytes.begin(), bytes.end());
}

// A core cut short under the mount: reads fail with EIO from then on (not SIGBUS in the daemon,
// not a silent short read, not the bytes that are still there), and the daemon says so once,
// naming the core.
TEST_F(FuseMountTest, ACoreThatShrinksGivesEio)
{
	ASSERT_EQ(truncate(core_.c_str(), 4 * page), 0);
	for (const char *file : {"blocks/0000000000100000-0000000000106000",
				 "blocks/0000000000000000-0000000000004000"}) {
		int error = 0;
		Bytes got = read_file(path(file), &error);
		EXPECT_EQ(error, EIO) << file;
		EXPECT_TRUE(got.empty()) << got.size() << " bytes read of " << file;
	}
	mount_.reset();
	std::string text = daemon_log(log_);
	std::string line = "vmcorefs: " + core_ + ": changed since vmcorefs opened it (0x";
	EXPECT_NE(text.find(line), std::string::npos) << text;
	EXPECT_EQ(text.find(line), text.rfind(line)) << "logged more than once: " << text;
}

// The same size but other bytes: rewritten in place, or cut and extended back (its pages then
// holes that would read as zeros). Neither the new bytes nor zeros may be served, holes included.
TEST_F(FuseMountTest, ACoreRewrittenOrCutAndExtendedGivesEio)
{
	for (bool rewrite : {true, false}) {
		SCOPED_TRACE(rewrite ? "rewritten in place" : "cut and extended back");
		mount_.reset();
		ASSERT_NO_FATAL_FAILURE(FakeCore::write(core_));
		mount_ = std::make_unique<ChildMount>(core_, mnt_, log_);
		ASSERT_TRUE(mount_->mounted());
		struct stat before;
		ASSERT_EQ(stat(core_.c_str(), &before), 0);
		usleep(10000); // a later modification time, whatever the clock's granularity
		if (rewrite) {
			int fd = ::open(core_.c_str(), O_WRONLY);
			ASSERT_EQ(pwrite(fd, "X", 1, 6 * page), 1);
			::close(fd);
		} else {
			ASSERT_EQ(truncate(core_.c_str(), 4 * page), 0);
			ASSERT_EQ(truncate(core_.c_str(), before.st_size), 0);
		}
		int error = 0;
		Bytes got = read_file(path("blocks/0000000000100000-0000000000106000"), &error);
		EXPECT_EQ(error, EIO);
		EXPECT_TRUE(got.empty()) << got.size() << " bytes read";
		int fd = ::open(path("guest.vmcore").c_str(), O_RDONLY);
		EXPECT_EQ(lseek(fd, 0, SEEK_HOLE), -1);
		EXPECT_EQ(errno, EIO);
		::close(fd);
	}
}

TEST(ExtractFile, WritesTheSameBytesAsSparseAsTheCore)
{
	TempDir dir;
	std::string core_path = dir.file("core"), out = dir.file("guest.vmcore");
	ASSERT_NO_FATAL_FAILURE(FakeCore::write(core_path));
	auto core = MappedFile::open(core_path);
	ASSERT_TRUE(core.ok());
	ExtentTable table = build_vmcore_table(synthetic_map()).value();
	auto done = extract_file(table, *core, out);
	ASSERT_TRUE(done.ok()) << done.error().to_string();
	EXPECT_EQ(read_file(out), expected_bytes(table, core->fd()));
	int fd = ::open(out.c_str(), O_RDONLY);
	EXPECT_EQ(lseek(fd, 0, SEEK_HOLE), static_cast<off_t>(3 * page)); // core pages 2-3
	EXPECT_EQ(lseek(fd, 3 * page, SEEK_DATA), static_cast<off_t>(5 * page));
	::close(fd);
}

// A core that shrinks during the extraction: an error naming the core, and the file that was at
// the target before is still there, byte for byte; no temporary file is left.
TEST(ExtractFile, AShortCoreIsAnErrorAndLeavesTheTargetAsItWas)
{
	TempDir dir;
	std::string core_path = dir.file("core"), out = dir.file("guest.vmcore");
	ASSERT_NO_FATAL_FAILURE(FakeCore::write(core_path));
	Bytes old_bytes = {'o', 'l', 'd'};
	int fd = ::open(out.c_str(), O_WRONLY | O_CREAT, 0644);
	ASSERT_EQ(::write(fd, old_bytes.data(), old_bytes.size()), 3);
	::close(fd);
	auto core = MappedFile::open(core_path);
	ASSERT_TRUE(core.ok());
	ASSERT_EQ(truncate(core_path.c_str(), 8 * page), 0);
	auto done = extract_file(build_vmcore_table(synthetic_map()).value(), *core, out);
	ASSERT_FALSE(done.ok());
	EXPECT_EQ(done.error().code, ErrorCode::changed);
	EXPECT_EQ(done.error().file, core_path);
	EXPECT_EQ(read_file(out), old_bytes);
	EXPECT_EQ(list_directory(dir.path()),
		  (std::set<std::string>{".", "..", "core", "guest.vmcore"}));
}

// Targets that are not regular files, or that are the core under another name, are refused before
// anything is written, and stay as they were.
TEST(ExtractFile, RefusesDevicesFifosAndTheCoreItself)
{
	TempDir dir;
	std::string core_path = dir.file("core");
	ASSERT_NO_FATAL_FAILURE(FakeCore::write(core_path));
	Bytes core_bytes_before = read_file(core_path);
	std::string fifo = dir.file("fifo"), link = dir.file("link"), hard = dir.file("hard");
	ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
	ASSERT_EQ(symlink(core_path.c_str(), link.c_str()), 0);
	ASSERT_EQ(::link(core_path.c_str(), hard.c_str()), 0);
	auto core = MappedFile::open(core_path);
	ASSERT_TRUE(core.ok());
	ExtentTable table = build_vmcore_table(synthetic_map()).value();
	for (const std::string &target : {std::string("/dev/null"), fifo, core_path, link, hard}) {
		SCOPED_TRACE(target);
		for (auto done : {check_output_target(target, {core_path}, "--extract"),
				  extract_file(table, *core, target)}) {
			ASSERT_FALSE(done.ok());
			EXPECT_EQ(done.error().code, ErrorCode::usage);
			EXPECT_EQ(done.error().file, target);
		}
	}
	struct stat st;
	EXPECT_EQ(stat("/dev/null", &st), 0);
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(lstat(fifo.c_str(), &st), 0);
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
	EXPECT_EQ(read_file(core_path), core_bytes_before);
	EXPECT_FALSE(check_output_target("-", {core_path}, "--extract").ok());
}

// An existing regular file is replaced whole; a symbolic link to one is written through.
TEST(ExtractFile, ReplacesAnExistingFileAndWritesThroughALink)
{
	TempDir dir;
	std::string core_path = dir.file("core"), out = dir.file("out"), link = dir.file("link");
	ASSERT_NO_FATAL_FAILURE(FakeCore::write(core_path));
	int fd = ::open(out.c_str(), O_WRONLY | O_CREAT, 0644);
	ASSERT_EQ(::write(fd, "old", 3), 3);
	::close(fd);
	ASSERT_EQ(symlink("out", link.c_str()), 0);
	auto core = MappedFile::open(core_path);
	ASSERT_TRUE(core.ok());
	ExtentTable table = build_vmcore_table(synthetic_map()).value();
	auto done = extract_file(table, *core, link);
	ASSERT_TRUE(done.ok()) << done.error().to_string();
	struct stat st;
	ASSERT_EQ(lstat(link.c_str(), &st), 0);
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_EQ(read_file(out), expected_bytes(table, core->fd()));
	ASSERT_EQ(stat(out.c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0600u);
}

} // namespace
} // namespace vmcorefs
