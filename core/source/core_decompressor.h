// Compressed process cores: recognising one by its magic bytes, and decompressing it into a sparse
// file. systemd-coredump stores cores compressed (zstd by default, lz4 or xz when so built), and
// people compress cores to keep or send them; vmcorefs needs an uncompressed file to map.
//
// Decoding uses the distribution's libraries (libzstd, liblz4's frame API, liblzma) in-process: no
// subprocess, no temporary pipe, errors with offsets. The output is written sparsely: every
// 4 KiB page of zeros becomes a hole (seeked over, never written), since most of a guest's RAM
// is untouched and a 1 TiB guest's core must not need 1 TiB of disk.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/error.h"

namespace vmcorefs {

enum class Compression { none, zstd, lz4, xz };

// "zstd", "lz4", "xz", "none".
const char *to_string(Compression compression);

// Which format the file at path is compressed in, from its first bytes, whatever its name. none
// for anything else (an ELF core, or garbage that the ELF parser will name). Errors: io when the
// file cannot be read; unsupported for gzip, bzip2 and lz4's legacy format, with how to
// decompress them by hand; corrupt for a file named *.zst, *.lz4 or *.xz that starts neither
// like that format nor like ELF.
Result<Compression> detect_compression(const std::string &path);

// Told how many bytes of the compressed file have been consumed (done) of its size (total);
// returns false to cancel, for example when the user pressed Ctrl-C.
using DecompressProgress = std::function<bool(uint64_t done, uint64_t total)>;

// Decompresses the file at source into out_fd (a new, empty, writable file whose name for
// messages is out_name), from offset 0, with all-zero pages left as holes, and gives out_fd the
// decompressed size. Concatenated frames or streams are one output, as the command-line tools
// treat them. Returns the decompressed size.
//
// Errors name source: corrupt (the decoder rejects the data; the message gives the compressed
// offset), truncated (the file ends inside a frame), io (cannot read; EINTR when progress
// cancelled). Errors writing the output (ENOSPC, EDQUOT, EIO) name out_name.
Result<uint64_t> decompress_to_sparse_file(const std::string &source, Compression format,
					   int out_fd, const std::string &out_name,
					   const DecompressProgress &progress);

} // namespace vmcorefs
