// Compressed cores without QEMU: format detection, sparse decompression of each format, the
// errors for truncated and corrupt input, cancellation, and the cache's reuse, replacement and
// cleanliness. The compressed inputs are made here with the same libraries (zstd with its
// checksum, lz4 frames with a content checksum, xz with CRC64: what the command-line tools and
// systemd-coredump write).
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <lz4frame.h>
#include <lzma.h>
#include <map>
#include <random>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>
#include <zstd.h>

#include "core_cache.h"
#include "core_decompressor.h"

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
		std::string tmpl = (fs::temp_directory_path() / "vmcorefs-compressed.XXXXXX").string();
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
	EXPECT_EQ(lseek(fd, 5 * MiB, SEEK_DATA), -1);                       // zeros to the end
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

TEST(CoreCacheDir, FollowsXdgCacheHomeThenHome)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	std::string saved_xdg = xdg ? xdg : "", saved_home = home ? home : "";
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	setenv("HOME", "/home/u", 1);
	EXPECT_EQ(default_core_cache_dir(), "/x/cache/vmcorefs/cores");
	setenv("XDG_CACHE_HOME", "relative", 1); // the specification says to ignore it
	EXPECT_EQ(default_core_cache_dir(), "/home/u/.cache/vmcorefs/cores");
	unsetenv("XDG_CACHE_HOME");
	EXPECT_EQ(default_core_cache_dir(), "/home/u/.cache/vmcorefs/cores");
	unsetenv("HOME");
	EXPECT_EQ(default_core_cache_dir(), "");
	if (xdg)
		setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
	if (home)
		setenv("HOME", saved_home.c_str(), 1);
}

} // namespace
} // namespace vmcorefs
