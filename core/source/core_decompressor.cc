#include "source/core_decompressor.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <lz4frame.h>
#include <lzma.h>
#include <memory>
#include <span>
#include <sys/stat.h>
#include <vector>
#include <zstd.h>

#include "base/regular_file.h"
#include "base/unique_fd.h"

namespace vmcorefs {
namespace {

constexpr size_t page_size = 4096;
constexpr size_t input_chunk = 1 << 20; // progress is reported once per chunk read
// Decoded bytes are gathered in whole pages, so that every flush starts on a page boundary of the
// output and all-zero pages can be skipped.
constexpr size_t output_chunk = 4 << 20;
static_assert(output_chunk % page_size == 0);

struct Magic {
	std::span<const uint8_t> bytes;
	Compression format;
	const char *extension; // what the command-line tool names its files
};
constexpr uint8_t zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};
constexpr uint8_t lz4_magic[] = {0x04, 0x22, 0x4d, 0x18}; // the frame format, lz4's default
constexpr uint8_t xz_magic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
constexpr Magic magics[] = {
	{zstd_magic, Compression::zstd, ".zst"},
	{lz4_magic, Compression::lz4, ".lz4"},
	{xz_magic, Compression::xz, ".xz"},
};

// Formats that are recognised but not read, and what to do instead.
struct Unsupported {
	std::span<const uint8_t> bytes;
	const char *advice;
};
constexpr uint8_t gzip_magic[] = {0x1f, 0x8b};
constexpr uint8_t bzip2_magic[] = {'B', 'Z', 'h'};
constexpr uint8_t lz4_legacy_magic[] = {0x02, 0x21, 0x4c, 0x18};
constexpr uint8_t elf_magic[] = {0x7f, 'E', 'L', 'F'};
constexpr Unsupported unsupported[] = {
	{gzip_magic, "gzip-compressed: decompress it with gunzip first"},
	{bzip2_magic, "bzip2-compressed: decompress it with bunzip2 first"},
	{lz4_legacy_magic, "in lz4's legacy format (lz4 -l): decompress it with lz4 -d first"},
};

bool starts_with(std::span<const uint8_t> data, std::span<const uint8_t> magic)
{
	return data.size() >= magic.size() && std::equal(magic.begin(), magic.end(), data.begin());
}

bool all_zero(const uint8_t *data, size_t length)
{
	static const uint8_t zeros[page_size] = {};
	return std::memcmp(data, zeros, length) == 0;
}

// The compressed file, read sequentially in chunks; reports progress at each chunk.
class Input {
public:
	Input(std::string path, UniqueFd fd, uint64_t size, const DecompressProgress &progress)
		: path_(std::move(path)), fd_(std::move(fd)), size_(size), progress_(progress),
		  buffer_(input_chunk)
	{
	}

	const std::string &path() const { return path_; }
	// Compressed bytes consumed so far: the offset of the next byte to decode.
	uint64_t offset() const { return offset_; }

	// The bytes not yet consumed; reads the next chunk when there are none. Empty at the end.
	Result<std::span<const uint8_t>> available()
	{
		if (pos_ == end_) {
			if (progress_ && !progress_(offset_, size_))
				return make_io_error(path_, "decompression interrupted", EINTR);
			ssize_t n;
			do
				n = ::read(fd_.get(), buffer_.data(), buffer_.size());
			while (n < 0 && errno == EINTR);
			if (n < 0)
				return make_io_error(path_, "cannot read", errno);
			pos_ = 0;
			end_ = static_cast<size_t>(n);
		}
		return std::span<const uint8_t>(buffer_.data() + pos_, end_ - pos_);
	}
	void consume(size_t n)
	{
		pos_ += n;
		offset_ += n;
	}

private:
	std::string path_;
	UniqueFd fd_;
	uint64_t size_;
	const DecompressProgress &progress_;
	std::vector<uint8_t> buffer_;
	size_t pos_ = 0, end_ = 0;
	uint64_t offset_ = 0;
};

// The decompressed file: the decoders write into space(); full buffers are written out page by
// page, all-zero pages skipped so that they stay holes.
class SparseOutput {
public:
	SparseOutput(int fd, std::string name, std::string source)
		: fd_(fd), name_(std::move(name)), source_(std::move(source)), buffer_(output_chunk)
	{
	}

	uint8_t *space() { return buffer_.data() + used_; }
	size_t room() const { return buffer_.size() - used_; } // never 0 between calls
	// The decoder has written n bytes at space().
	Result<void> produced(size_t n)
	{
		used_ += n;
		if (used_ < buffer_.size())
			return {};
		return flush();
	}
	// Writes out the rest and gives the file its full size (a trailing run of zeros is a hole).
	Result<uint64_t> finish()
	{
		VMCOREFS_TRY(flush());
		if (ftruncate(fd_, static_cast<off_t>(offset_)) != 0)
			return write_error(errno);
		return offset_;
	}

private:
	Error write_error(int error) const
	{
		return make_io_error(source_, "cannot write the decompressed core to " + name_,
				     error);
	}

	size_t page_at(size_t i) const { return std::min(page_size, used_ - i); }

	Result<void> flush()
	{
		for (size_t i = 0; i < used_;) {
			size_t data = i;
			while (i < used_ && !all_zero(&buffer_[i], page_at(i)))
				i += page_at(i);
			VMCOREFS_TRY(write_run(data, i));
			while (i < used_ && all_zero(&buffer_[i], page_at(i)))
				i += page_at(i);
		}
		offset_ += used_;
		used_ = 0;
		return {};
	}

	Result<void> write_run(size_t begin, size_t end)
	{
		while (begin < end) {
			ssize_t n = pwrite(fd_, &buffer_[begin], end - begin,
					   static_cast<off_t>(offset_ + begin));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return write_error(n < 0 ? errno : EIO);
			begin += static_cast<size_t>(n);
		}
		return {};
	}

	int fd_;
	std::string name_;
	std::string source_;
	std::vector<uint8_t> buffer_;
	size_t used_ = 0;
	uint64_t offset_ = 0; // where buffer_[0] goes in the file
};

Error corrupt(const Input &in, const char *format, const std::string &why, uint64_t at)
{
	return make_error(ErrorCode::corrupt, in.path(),
			  std::string("corrupt ") + format + " data near offset " + hex(at) + ": " +
				  why,
			  at);
}

Error truncated(const Input &in, const char *format)
{
	return make_error(ErrorCode::truncated, in.path(),
			  std::string("the ") + format + " data ends early, at offset " +
				  hex(in.offset()) + " (the file is truncated)",
			  in.offset());
}

// liblz4's error names are its enum's ("ERROR_frameType_unknown").
std::string lz4_error(size_t code)
{
	std::string_view name = LZ4F_getErrorName(code);
	if (name.starts_with("ERROR_"))
		name.remove_prefix(6);
	return std::string(name);
}

Result<void> decode_zstd(Input &in, SparseOutput &out)
{
	std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
	if (!ctx)
		return make_io_error(in.path(), "cannot decompress", ENOMEM);
	// Cores compressed with --long=31 need a 2 GiB window; the default limit is 128 MiB.
	ZSTD_bounds window = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
	if (!ZSTD_isError(window.error))
		ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, window.upperBound);
	size_t pending = 0; // non-zero while a frame is unfinished
	for (;;) {
		auto chunk = in.available();
		if (!chunk)
			return chunk.take_error();
		if (chunk->empty())
			break;
		ZSTD_inBuffer src{chunk->data(), chunk->size(), 0};
		bool full;
		do {
			ZSTD_outBuffer dst{out.space(), out.room(), 0};
			pending = ZSTD_decompressStream(ctx.get(), &dst, &src);
			if (ZSTD_isError(pending))
				return corrupt(in, "zstd", ZSTD_getErrorName(pending),
					       in.offset() + src.pos);
			full = dst.pos == dst.size;
			VMCOREFS_TRY(out.produced(dst.pos));
		} while (src.pos < src.size || full); // a full output may hide more to flush
		in.consume(src.pos);
	}
	if (pending != 0)
		return truncated(in, "zstd");
	return {};
}

Result<void> decode_lz4(Input &in, SparseOutput &out)
{
	LZ4F_dctx *raw = nullptr;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
		return make_io_error(in.path(), "cannot decompress", ENOMEM);
	std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(
		raw, LZ4F_freeDecompressionContext);
	size_t pending = 0; // non-zero while a frame is unfinished
	for (;;) {
		auto chunk = in.available();
		if (!chunk)
			return chunk.take_error();
		if (chunk->empty())
			break;
		size_t used = 0;
		bool full;
		do {
			size_t room = out.room(), produced = room, consumed = chunk->size() - used;
			pending = LZ4F_decompress(ctx.get(), out.space(), &produced,
						  chunk->data() + used, &consumed, nullptr);
			if (LZ4F_isError(pending))
				return corrupt(in, "lz4", lz4_error(pending), in.offset() + used);
			used += consumed;
			full = produced == room;
			VMCOREFS_TRY(out.produced(produced));
		} while (used < chunk->size() || full);
		in.consume(used);
	}
	if (pending != 0)
		return truncated(in, "lz4");
	return {};
}

Result<void> decode_xz(Input &in, SparseOutput &out)
{
	lzma_stream stream = LZMA_STREAM_INIT;
	// Concatenated streams are one file, as for xz -d; no memory limit but the machine's.
	if (lzma_stream_decoder(&stream, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return make_io_error(in.path(), "cannot decompress", ENOMEM);
	std::unique_ptr<lzma_stream, decltype(&lzma_end)> owner(&stream, lzma_end);
	lzma_action action = LZMA_RUN;
	for (;;) {
		auto chunk = in.available();
		if (!chunk)
			return chunk.take_error();
		if (chunk->empty())
			action = LZMA_FINISH; // tells liblzma that no more input comes
		stream.next_in = chunk->data();
		stream.avail_in = chunk->size();
		size_t room = out.room();
		stream.next_out = out.space();
		stream.avail_out = room;
		lzma_ret ret = lzma_code(&stream, action);
		in.consume(chunk->size() - stream.avail_in);
		VMCOREFS_TRY(out.produced(room - stream.avail_out));
		switch (ret) {
		case LZMA_OK: continue;
		case LZMA_STREAM_END: return {};
		case LZMA_BUF_ERROR: return truncated(in, "xz"); // no progress after FINISH
		case LZMA_MEM_ERROR: return make_io_error(in.path(), "cannot decompress", ENOMEM);
		case LZMA_DATA_ERROR: return corrupt(in, "xz", "the data is corrupt", in.offset());
		case LZMA_FORMAT_ERROR: return corrupt(in, "xz", "not an xz stream", in.offset());
		case LZMA_OPTIONS_ERROR:
			return corrupt(in, "xz", "unsupported stream options", in.offset());
		default:
			return corrupt(in, "xz", "liblzma error " + std::to_string(int(ret)),
				       in.offset());
		}
	}
}

} // namespace

const char *to_string(Compression compression)
{
	switch (compression) {
	case Compression::zstd: return "zstd";
	case Compression::lz4: return "lz4";
	case Compression::xz: return "xz";
	case Compression::none: break;
	}
	return "none";
}

Result<Compression> detect_compression(const std::string &path)
{
	auto fd = open_regular_file(path);
	if (!fd)
		return fd.take_error();
	uint8_t head[8] = {};
	ssize_t n = pread(fd->get(), head, sizeof head, 0);
	if (n < 0)
		return make_io_error(path, "cannot read", errno);
	std::span<const uint8_t> data(head, static_cast<size_t>(n));
	for (const Magic &m : magics)
		if (starts_with(data, m.bytes))
			return m.format;
	for (const Unsupported &u : unsupported)
		if (starts_with(data, u.bytes))
			return make_error(ErrorCode::unsupported, path, u.advice);
	// A name that promises compression, on a file that is neither compressed nor ELF: say that,
	// rather than "not an ELF file".
	if (!starts_with(data, elf_magic))
		for (const Magic &m : magics)
			if (path.ends_with(m.extension))
				return make_error(ErrorCode::corrupt, path,
						  std::string("named like a ") +
							  to_string(m.format) +
							  " file but not starting like one: "
							  "damaged, truncated or misnamed");
	return Compression::none;
}

Result<uint64_t> decompress_to_sparse_file(const std::string &source, Compression format,
					   int out_fd, const std::string &out_name,
					   const DecompressProgress &progress)
{
	auto fd = open_regular_file(source);
	if (!fd)
		return fd.take_error();
	struct stat st;
	if (fstat(fd->get(), &st) != 0)
		return make_io_error(source, "cannot stat", errno);
	posix_fadvise(fd->get(), 0, 0, POSIX_FADV_SEQUENTIAL);
	uint64_t size = static_cast<uint64_t>(st.st_size);
	Input in(source, std::move(*fd), size, progress);
	SparseOutput out(out_fd, out_name, source);
	switch (format) {
	case Compression::zstd: VMCOREFS_TRY(decode_zstd(in, out)); break;
	case Compression::lz4: VMCOREFS_TRY(decode_lz4(in, out)); break;
	case Compression::xz: VMCOREFS_TRY(decode_xz(in, out)); break;
	case Compression::none: return make_error(ErrorCode::usage, source, "is not compressed");
	}
	if (progress)
		progress(size, size);
	return out.finish();
}

} // namespace vmcorefs
