// Compressed cores without QEMU: format detection, sparse decompression of each format, the
// errors for truncated and corrupt input, cancellation, the cache's reuse, replacement and
// cleanliness, its refusal of directories and entries that are not the user's own (planted
// symlinks, FIFOs, files), and PendingFile, which names a file only once it is whole. The
// compressed inputs are made here with the same libraries (zstd with its checksum, lz4 frames
// with a content checksum, xz with CRC64: what the command-line tools and systemd-coredump write).
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <lz4frame.h>
#include <lzma.h>
#include <map>
#include <poll.h>
#include <random>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <vector>
#include <zstd.h>

#include "base/pending_file.h"
#include "base/private_cache.h"
#include "source/core_cache.h"
#include "source/core_decompressor.h"

namespace vmcorefs {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

constexpr size_t page = 4096;
constexpr size_t MiB = 1 << 20;

// 6 MiB: 1 MiB of random bytes, 3 MiB of zeros, 1 MiB random with single zero pages in it, then
// 1 MiB of zeros at the end (a trailing hole: the file's size must still be right).
Bytes sample_core()
{
	Bytes data(6 * MiB, 0);
	std::mt19937 random(42);
	auto fill = [&](size_t from, size_t to) {
		for (size_t i = from; i < to; i++)
			data[i] = static_cast<uint8_t>(random() | 1);
	};
	fill(0, 1 * MiB);
	fill(4 * MiB, 5 * MiB);
	for (size_t zero = 4 * MiB + 8 * page; zero < 5 * MiB; zero += 64 * page)
		std::memset(&data[zero], 0, page);
	return data;
}

Bytes compress_zstd(const Bytes &in)
{
	Bytes out(ZSTD_compressBound(in.size()));
	ZSTD_CCtx *ctx = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
	size_t n = ZSTD_compress2(ctx, out.data(), out.size(), in.data(), in.size());
	ZSTD_freeCCtx(ctx);
	EXPECT_FALSE(ZSTD_isError(n));
	out.resize(n);
	return out;
}

Bytes compress_lz4(const Bytes &in)
{
	LZ4F_preferences_t prefs = {};
	prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	Bytes out(LZ4F_compressFrameBound(in.size(), &prefs));
	size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
	EXPECT_FALSE(LZ4F_isError(n));
	out.resize(n);
	return out;
}

Bytes compress_xz(const Bytes &in)
{
	Bytes out(lzma_stream_buffer_bound(in.size()));
	size_t n = 0;
	EXPECT_EQ(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, nullptr, in.data(), in.size(),
					  out.data(), &n, out.size()),
		  LZMA_OK);
	out.resize(n);
	return out;
}

Bytes compress(Compression format, const Bytes &in)
{
	switch (format) {
	case Compression::zstd: return compress_zstd(in);
	case Compression::lz4: return compress_lz4(in);
	case Compression::xz: return compress_xz(in);
	case Compression::none: break;
	}
	return in;
}

// sample_core() compressed, made once per format (xz takes most of a second).
const Bytes &compressed_sample(Compression format)
{
	static std::map<Compression, Bytes> made;
	auto it = made.find(format);
	if (it == made.end())
		it = made.emplace(format, compress(format, sample_core())).first;
	return it->second;
}

class CompressedCore : public ::testing::TestWithParam<Compression> {
protected:
	void SetUp() override
	{
		std::string tmpl =
			(fs::temp_directory_path() / "vmcorefs-compressed.XXXXXX").string();
		ASSERT_TRUE(mkdtemp(tmpl.data())) << strerror(errno);
		dir_ = tmpl;
	}
	void TearDown() override { fs::remove_all(dir_); }

	std::string write(const std::string &name, const Bytes &bytes)
	{
		std::string path = (dir_ / name).string();
		std::ofstream(path, std::ios::binary)
			.write(reinterpret_cast<const char *>(bytes.data()),
			       static_cast<std::streamsize>(bytes.size()));
		return path;
	}
	static Bytes read(const std::string &path)
	{
		std::ifstream in(path, std::ios::binary);
		return Bytes(std::istreambuf_iterator<char>(in), {});
	}
	// Decompresses into a new file; returns it (empty on error, with the error in error_).
	std::string decompress(const std::string &source, const DecompressProgress &progress = {})
	{
		std::string out = (dir_ / "out").string();
		int fd = ::open(out.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		EXPECT_GE(fd, 0);
		auto size = decompress_to_sparse_file(source, GetParam(), fd, out, progress);
		::close(fd);
		if (!size) {
			error_ = size.error();
			return "";
		}
		return out;
	}
	size_t entries(const std::string &cache) const
	{
		size_t n = 0;
		for ([[maybe_unused]] const auto &e : fs::directory_iterator(dir_ / cache))
			n++;
		return n;
	}

	fs::path dir_;
	std::optional<Error> error_;
};

TEST_P(CompressedCore, IsRecognisedByItsMagicWhateverItsName)
{
	auto path = write("core.1234", compressed_sample(GetParam()));
	auto format = detect_compression(path);
	ASSERT_TRUE(format) << format.error().to_string();
	EXPECT_EQ(*format, GetParam());
}

TEST_P(CompressedCore, DecompressesWithZeroPagesAsHoles)
{
	Bytes data = sample_core();
	auto out = decompress(write("core.c", compress(GetParam(), data)));
	ASSERT_FALSE(out.empty()) << error_->to_string();
	EXPECT_EQ(read(out), data);
	int fd = ::open(out.c_str(), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(lseek(fd, 1 * MiB, SEEK_DATA), off_t(4 * MiB)); // the 3 MiB of zeros: one hole
	EXPECT_EQ(lseek(fd, 4 * MiB, SEEK_HOLE), off_t(4 * MiB + 8 * page)); // a single zero page
	EXPECT_EQ(lseek(fd, 5 * MiB, SEEK_DATA), -1);                        // zeros to the end
	struct stat st;
	ASSERT_EQ(fstat(fd, &st), 0);
	EXPECT_EQ(uint64_t(st.st_size), data.size());
	EXPECT_LT(uint64_t(st.st_blocks) * 512, 2 * MiB + 64 * 1024); // the data and no more
	::close(fd);
}

TEST_P(CompressedCore, ConcatenatedFramesAreOneFile)
{
	Bytes first = sample_core(), second(3 * MiB, 0x5a);
	Bytes both = compress(GetParam(), first), tail = compress(GetParam(), second);
	both.insert(both.end(), tail.begin(), tail.end());
	auto out = decompress(write("core.c", both));
	ASSERT_FALSE(out.empty()) << error_->to_string();
	first.insert(first.end(), second.begin(), second.end());
	EXPECT_EQ(read(out), first);
}

TEST_P(CompressedCore, ATruncatedFileIsTruncated)
{
	Bytes compressed = compressed_sample(GetParam());
	compressed.resize(compressed.size() / 2);
	auto source = write("core.c", compressed);
	EXPECT_TRUE(decompress(source).empty());
	ASSERT_TRUE(error_);
	EXPECT_EQ(error_->code, ErrorCode::truncated) << error_->to_string();
	EXPECT_EQ(error_->file, source);
	EXPECT_EQ(error_->to_string().find('\n'), std::string::npos);
}

TEST_P(CompressedCore, ACorruptFileIsCorrupt)
{
	Bytes compressed = compressed_sample(GetParam());
	for (size_t i = compressed.size() / 2; i < compressed.size() / 2 + 64; i++)
		compressed[i] ^= 0xa5;
	auto source = write("core.c", compressed);
	EXPECT_TRUE(decompress(source).empty());
	ASSERT_TRUE(error_);
	EXPECT_EQ(error_->code, ErrorCode::corrupt) << error_->to_string();
	EXPECT_EQ(error_->file, source);
}

TEST_P(CompressedCore, ProgressCanCancel)
{
	auto source = write("core.c", compressed_sample(GetParam()));
	EXPECT_TRUE(decompress(source, [](uint64_t, uint64_t) { return false; }).empty());
	ASSERT_TRUE(error_);
	EXPECT_EQ(error_->errno_value, EINTR);
}

TEST_P(CompressedCore, TheCacheReusesAnUnchangedFileAndReplacesAChangedOne)
{
	auto source = write("core.c", compressed_sample(GetParam()));
	std::string cache = (dir_ / "cache" / "cores").string();
	auto first = decompressed_core(source, GetParam(), cache, {});
	ASSERT_TRUE(first) << first.error().to_string();
	EXPECT_FALSE(first->reused);
	EXPECT_EQ(read(first->path), sample_core());
	struct stat before, after;
	ASSERT_EQ(stat(first->path.c_str(), &before), 0);
	EXPECT_EQ(before.st_mode & 0777, 0600u); // a core holds all of the guest's memory

	auto second = decompressed_core(source, GetParam(), cache, {});
	ASSERT_TRUE(second) << second.error().to_string();
	EXPECT_TRUE(second->reused);
	ASSERT_EQ(stat(second->path.c_str(), &after), 0);
	EXPECT_EQ(before.st_ino, after.st_ino);

	// A new core at the same path: a new entry, and the old one is gone.
	Bytes changed = sample_core();
	changed[0] ^= 1;
	::unlink(source.c_str());
	write("core.c", compress(GetParam(), changed));
	auto third = decompressed_core(source, GetParam(), cache, {});
	ASSERT_TRUE(third) << third.error().to_string();
	EXPECT_FALSE(third->reused);
	EXPECT_NE(third->path, first->path);
	EXPECT_EQ(read(third->path), changed);
	EXPECT_FALSE(fs::exists(first->path));
	EXPECT_EQ(entries("cache/cores"), 1u);
}

TEST_P(CompressedCore, AFailedOrCancelledDecompressionLeavesNothingInTheCache)
{
	Bytes compressed = compressed_sample(GetParam());
	auto whole = write("whole.c", compressed);
	compressed.resize(compressed.size() * 3 / 4);
	auto cut = write("cut.c", compressed);
	std::string cache = (dir_ / "cache").string();
	EXPECT_FALSE(decompressed_core(cut, GetParam(), cache, {}));
	EXPECT_FALSE(decompressed_core(whole, GetParam(), cache,
				       [](uint64_t done, uint64_t) { return done == 0; }));
	EXPECT_EQ(entries("cache"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Formats, CompressedCore,
			 ::testing::Values(Compression::zstd, Compression::lz4, Compression::xz),
			 [](const auto &p) { return std::string(to_string(p.param)); });

class Detect : public CompressedCore {};

TEST_F(Detect, ElfAndUnknownDataAreNotCompressed)
{
	EXPECT_EQ(*detect_compression(write("core.zst", {0x7f, 'E', 'L', 'F', 2, 1, 1})),
		  Compression::none); // an uncompressed core, whatever its name says
	EXPECT_EQ(*detect_compression(write("core", {1, 2, 3, 4, 5, 6, 7, 8})), Compression::none);
	EXPECT_EQ(*detect_compression(write("empty", {})), Compression::none);
}

TEST_F(Detect, OtherFormatsAndMisnamedFilesAreOneLineErrors)
{
	auto gz = detect_compression(write("core.gz", {0x1f, 0x8b, 8, 0, 0, 0, 0, 0}));
	ASSERT_FALSE(gz);
	EXPECT_EQ(gz.error().code, ErrorCode::unsupported);
	EXPECT_NE(gz.error().message.find("gunzip"), std::string::npos);
	auto bad = detect_compression(write("core.zst", {1, 2, 3}));
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.error().code, ErrorCode::corrupt);
	EXPECT_NE(bad.error().message.find("zstd"), std::string::npos);
	auto missing = detect_compression((dir_ / "nothing").string());
	ASSERT_FALSE(missing);
	EXPECT_EQ(missing.error().errno_value, ENOENT);
}

// The cache where others could plant something: a directory that is not the user's alone, and
// files, symlinks and FIFOs under the name of the entry vmcorefs would use (predictable: a hash
// of the source's path and identity).
class CoreCache : public CompressedCore {
protected:
	std::string cache() const { return (dir_ / "cache").string(); }
	std::string write_source()
	{
		return write("core.zst", compressed_sample(Compression::zstd));
	}
	Result<CachedCore> decompress_cached(const std::string &source)
	{
		return decompressed_core(source, Compression::zstd, cache(), {});
	}
	// Decompresses source into the cache once and takes the entry away, leaving its name free
	// for something else.
	std::string entry_name_of(const std::string &source)
	{
		auto made = decompress_cached(source);
		EXPECT_TRUE(made) << made.error().to_string();
		if (!made)
			return "";
		EXPECT_EQ(::unlink(made->path.c_str()), 0);
		return made->path;
	}
	// Whether the cache's file system keeps user extended attributes (ext4, tmpfs from 6.6).
	bool has_user_xattrs()
	{
		std::string probe = write("cache/xattr-probe", {1});
		int status = setxattr(probe.c_str(), "user.vmcorefs.probe", "x", 1, 0);
		int error = errno;
		::unlink(probe.c_str());
		EXPECT_TRUE(status == 0 || error == ENOTSUP) << strerror(error);
		return status == 0;
	}
	// What is at path must be ignored with a warning giving why, and the core
	// decompressed again into a regular file of the right content that is reused next time.
	void expect_replaced(const std::string &source, const std::string &path,
			     const std::string &why)
	{
		auto again = decompress_cached(source);
		ASSERT_TRUE(again) << again.error().to_string();
		EXPECT_FALSE(again->reused);
		EXPECT_EQ(again->path, path);
		std::string expected = path +
				       ": ignored a cache entry that is not vmcorefs's own (" +
				       why + "); decompressing again";
		EXPECT_EQ(again->warning, expected);
		struct stat st;
		ASSERT_EQ(lstat(path.c_str(), &st), 0);
		EXPECT_TRUE(S_ISREG(st.st_mode));
		EXPECT_EQ(read(path), sample_core());
		auto third = decompress_cached(source);
		ASSERT_TRUE(third) << third.error().to_string();
		EXPECT_TRUE(third->reused);
		EXPECT_EQ(third->warning, "");
	}
};

TEST_F(CoreCache, ADirectoryWritableByOthersIsRefused)
{
	auto input = write_source();
	ASSERT_EQ(mkdir(cache().c_str(), 0700), 0);
	for (mode_t mode : {mode_t(0777), mode_t(0770), mode_t(01777)}) {
		ASSERT_EQ(chmod(cache().c_str(), mode), 0);
		auto refused = decompress_cached(input);
		ASSERT_FALSE(refused);
		EXPECT_EQ(refused.error().file, cache());
		char octal[8];
		std::snprintf(octal, sizeof octal, "%04o", unsigned(mode));
		EXPECT_EQ(refused.error().message,
			  "cannot use as the cache directory: writable by others (mode " +
				  std::string(octal) +
				  "); chmod go-w it or use another --cache-dir");
	}
	EXPECT_EQ(entries("cache"), 0u);
	ASSERT_EQ(chmod(cache().c_str(), 0755), 0); // readable by others is fine
	auto made = decompress_cached(input);
	ASSERT_TRUE(made) << made.error().to_string();
}

TEST_F(CoreCache, ADirectoryOfAnotherUserIsRefused)
{
	if (geteuid() != 0)
		GTEST_SKIP() << "giving the directory to another user needs root";
	auto input = write_source();
	ASSERT_EQ(mkdir(cache().c_str(), 0700), 0);
	ASSERT_EQ(chown(cache().c_str(), 65534, 65534), 0);
	auto refused = decompress_cached(input);
	ASSERT_FALSE(refused);
	EXPECT_EQ(refused.error().to_string(),
		  cache() + ": cannot use as the cache directory: owned by uid 65534, not by you "
			    "(uid 0); use a directory of your own as --cache-dir");
	EXPECT_EQ(entries("cache"), 0u);
}

TEST_F(CoreCache, ASymlinkUnderTheEntrysNameIsNotFollowed)
{
	auto input = write_source();
	std::string path = entry_name_of(input);
	ASSERT_FALSE(path.empty());
	// What the symlink leads to: another guest's core, say, which must not be served, nor
	// changed.
	Bytes other(64 * 1024, 0x5a);
	std::string target = write("other-guest.core", other);
	ASSERT_EQ(chmod(target.c_str(), 0600), 0);
	struct stat before, after;
	ASSERT_EQ(stat(target.c_str(), &before), 0);
	ASSERT_EQ(symlink(target.c_str(), path.c_str()), 0);
	expect_replaced(input, path, "a symlink");
	ASSERT_EQ(stat(target.c_str(), &after), 0);
	EXPECT_EQ(read(target), other);
	EXPECT_EQ(after.st_ino, before.st_ino);
	EXPECT_EQ(after.st_nlink, 1u);
	EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	EXPECT_EQ(entries("cache"), 1u);
}

TEST_F(CoreCache, AFifoUnderTheEntrysNameDoesNotHang)
{
	auto input = write_source();
	std::string path = entry_name_of(input);
	ASSERT_FALSE(path.empty());
	ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
	// In a child, so that opening the FIFO to wait for a writer fails the test, not hangs it.
	int pipe_fds[2];
	ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
	pid_t child = fork();
	ASSERT_GE(child, 0) << strerror(errno);
	if (child == 0) {
		auto again = decompress_cached(input);
		std::string report = !again          ? "error: " + again.error().to_string()
				     : again->reused ? std::string("reused")
						     : "warning: " + again->warning;
		ssize_t n = ::write(pipe_fds[1], report.data(), report.size());
		_exit(n == ssize_t(report.size()) ? 0 : 1);
	}
	::close(pipe_fds[1]);
	pollfd readable = {pipe_fds[0], POLLIN, 0};
	if (poll(&readable, 1, 60'000) != 1) {
		kill(child, SIGKILL);
		waitpid(child, nullptr, 0);
		::close(pipe_fds[0]);
		FAIL() << "decompressed_core hung on a FIFO under the entry's name";
	}
	std::string report;
	char buf[4096];
	for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;)
		report.append(buf, size_t(n));
	::close(pipe_fds[0]);
	int status = 0;
	ASSERT_EQ(waitpid(child, &status, 0), child);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(report, "warning: " + path +
				  ": ignored a cache entry that is not vmcorefs's own "
				  "(not a regular file); decompressing again");
	struct stat st;
	ASSERT_EQ(lstat(path.c_str(), &st), 0);
	EXPECT_TRUE(S_ISREG(st.st_mode)); // the FIFO is replaced
	EXPECT_EQ(read(path), sample_core());
}

TEST_F(CoreCache, AFileUnderTheEntrysNameWithoutItsSourceIsRefused)
{
	auto input = write_source();
	std::string path = entry_name_of(input);
	ASSERT_FALSE(path.empty());
	Bytes planted(64 * 1024, 0x5a);
	write(path.substr(dir_.string().size() + 1), planted);
	ASSERT_EQ(chmod(path.c_str(), 0600), 0);
	if (!has_user_xattrs()) {
		// Nothing can tell it from an entry of vmcorefs's then: the user's own directory is
		// what keeps others out.
		auto reused = decompress_cached(input);
		ASSERT_TRUE(reused) << reused.error().to_string();
		EXPECT_TRUE(reused->reused);
		EXPECT_EQ(reused->warning, "");
		return;
	}
	expect_replaced(input, path, "no user.vmcorefs.source attribute");
	std::string recorded(4096, '\0');
	ssize_t n =
		getxattr(path.c_str(), "user.vmcorefs.source", recorded.data(), recorded.size());
	ASSERT_GT(n, 0) << strerror(errno);
	recorded.resize(size_t(n));
	EXPECT_EQ(recorded.find(fs::canonical(dir_ / "core.zst").string() + "\n"), 0u) << recorded;

	// An attribute naming another source (a copy of another entry) is not enough either.
	ASSERT_EQ(::unlink(path.c_str()), 0);
	write(path.substr(dir_.string().size() + 1), planted);
	ASSERT_EQ(chmod(path.c_str(), 0600), 0);
	recorded.back() ^= 1;
	ASSERT_EQ(setxattr(path.c_str(), "user.vmcorefs.source", recorded.data(), recorded.size(),
			   0),
		  0);
	expect_replaced(input, path, "made from another source");
}

TEST_F(CoreCache, AnEntryWritableByOthersOrWithASecondNameIsRefused)
{
	auto input = write_source();
	auto made = decompress_cached(input);
	ASSERT_TRUE(made) << made.error().to_string();
	ASSERT_EQ(chmod(made->path.c_str(), 0666), 0);
	expect_replaced(input, made->path, "writable by others, mode 0666");

	std::string second = (dir_ / "second-name").string();
	ASSERT_EQ(link(made->path.c_str(), second.c_str()), 0);
	expect_replaced(input, made->path, "2 links");
	EXPECT_EQ(read(second), sample_core()); // the other name is the old entry, left alone
}

TEST_F(CoreCache, AnEntryOfAnotherUserIsRefused)
{
	if (geteuid() != 0)
		GTEST_SKIP() << "giving a file to another user needs root";
	auto input = write_source();
	auto made = decompress_cached(input);
	ASSERT_TRUE(made) << made.error().to_string();
	ASSERT_EQ(chown(made->path.c_str(), 65534, 65534), 0);
	expect_replaced(input, made->path, "owned by uid 65534");
}

// PendingFile in a directory of its own, to see that no temporary name is left behind.
class PendingFileTest : public CompressedCore {
protected:
	void SetUp() override
	{
		CompressedCore::SetUp();
		ASSERT_EQ(mkdir(dir().c_str(), 0700), 0);
	}
	std::string dir() const { return (dir_ / "d").string(); }
	std::string target() const { return dir() + "/target"; }
	std::set<std::string> names() const
	{
		std::set<std::string> found;
		for (const auto &e : fs::directory_iterator(dir_ / "d"))
			found.insert(e.path().filename().string());
		return found;
	}
	static void write_all(int fd, const Bytes &bytes)
	{
		ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
	}
	const Bytes old_bytes = Bytes(10000, 'o');
	const Bytes new_bytes = Bytes(20000, 'n');
};

TEST_F(PendingFileTest, ReplaceSwapsTheWholeFileInAtOnce)
{
	write("d/target", old_bytes);
	int old_fd = ::open(target().c_str(), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(old_fd, 0);
	{
		auto pending = PendingFile::create(dir(), "target");
		ASSERT_TRUE(pending) << pending.error().to_string();
		write_all(pending->fd(), new_bytes);
		EXPECT_EQ(read(target()), old_bytes); // nothing shows before commit
		auto committed = pending->commit(target(), PendingFile::Existing::replace);
		ASSERT_TRUE(committed) << committed.error().to_string();
	}
	EXPECT_EQ(read(target()), new_bytes);
	// The old file was not rewritten in place: who had it open still reads all of it.
	Bytes still(old_bytes.size() + 1);
	EXPECT_EQ(pread(old_fd, still.data(), still.size(), 0), ssize_t(old_bytes.size()));
	still.resize(old_bytes.size());
	EXPECT_EQ(still, old_bytes);
	::close(old_fd);
	struct stat st;
	ASSERT_EQ(stat(target().c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600u);
	EXPECT_EQ(st.st_nlink, 1u);
	EXPECT_EQ(names(), std::set<std::string>{"target"});
}

TEST_F(PendingFileTest, WithoutCommitTheTargetStaysAndNothingIsLeft)
{
	write("d/target", old_bytes);
	struct stat before, after;
	ASSERT_EQ(stat(target().c_str(), &before), 0);
	{
		auto pending = PendingFile::create(dir(), "target");
		ASSERT_TRUE(pending) << pending.error().to_string();
		write_all(pending->fd(), new_bytes);
		auto moved = std::move(*pending); // the moved-from one must not remove anything
	}
	EXPECT_EQ(read(target()), old_bytes);
	ASSERT_EQ(stat(target().c_str(), &after), 0);
	EXPECT_EQ(after.st_ino, before.st_ino);
	EXPECT_EQ(names(), std::set<std::string>{"target"});
}

TEST_F(PendingFileTest, KeepLeavesAnExistingFile)
{
	write("d/target", old_bytes);
	struct stat before, after;
	ASSERT_EQ(stat(target().c_str(), &before), 0);
	{
		auto pending = PendingFile::create(dir(), "target");
		ASSERT_TRUE(pending) << pending.error().to_string();
		write_all(pending->fd(), new_bytes);
		auto committed = pending->commit(target(), PendingFile::Existing::keep);
		ASSERT_TRUE(committed) << committed.error().to_string();
	}
	EXPECT_EQ(read(target()), old_bytes);
	ASSERT_EQ(stat(target().c_str(), &after), 0);
	EXPECT_EQ(after.st_ino, before.st_ino);
	EXPECT_EQ(names(), std::set<std::string>{"target"});
}

TEST_F(PendingFileTest, KeepNamesTheFileWhenTheNameIsFree)
{
	{
		auto pending = PendingFile::create(dir(), "target");
		ASSERT_TRUE(pending) << pending.error().to_string();
		write_all(pending->fd(), new_bytes);
		EXPECT_EQ(names().count("target"), 0u); // no name until commit
		auto committed = pending->commit(target(), PendingFile::Existing::keep);
		ASSERT_TRUE(committed) << committed.error().to_string();
	}
	EXPECT_EQ(read(target()), new_bytes);
	struct stat st;
	ASSERT_EQ(stat(target().c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600u);
	EXPECT_EQ(names(), std::set<std::string>{"target"});
}

TEST_F(PendingFileTest, ADirectoryThatCannotBeWrittenIsOneLineError)
{
	auto missing = PendingFile::create(dir() + "/nothing", "target");
	ASSERT_FALSE(missing);
	EXPECT_EQ(missing.error().to_string(),
		  dir() + "/nothing: cannot create a file in this directory: "
			  "No such file or directory");
}

TEST(CoreCacheDir, FollowsXdgCacheHomeThenHome)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	std::string saved_xdg = xdg ? xdg : "", saved_home = home ? home : "";
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	setenv("HOME", "/home/u", 1);
	EXPECT_EQ(default_cache_dir("cores"), "/x/cache/vmcorefs/cores");
	setenv("XDG_CACHE_HOME", "relative", 1); // the specification says to ignore it
	EXPECT_EQ(default_cache_dir("cores"), "/home/u/.cache/vmcorefs/cores");
	unsetenv("XDG_CACHE_HOME");
	EXPECT_EQ(default_cache_dir("cores"), "/home/u/.cache/vmcorefs/cores");
	unsetenv("HOME");
	EXPECT_EQ(default_cache_dir("cores"), "");
	if (xdg)
		setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
	if (home)
		setenv("HOME", saved_home.c_str(), 1);
}

} // namespace
} // namespace vmcorefs
