// vmcorefs CORE.zst ...: a compressed core (zstd, lz4, xz; recognised by its first bytes) is
// decompressed once into the core cache (core/source/core_cache.h) and every mode then works on the
// decompressed copy. Here is what only the command line does around it: the progress bar on a
// terminal, and Ctrl-C (or SIGTERM, SIGHUP) ending the decompression cleanly.
#pragma once

#include <string>

#include "base/error.h"

namespace vmcorefs {

// The path of the core to load: core_path itself when it is not compressed, else its decompressed
// copy in cache_dir (default_core_cache_dir() when empty). A signal that interrupts the
// decompression ends the process by that signal, after the partial copy is gone.
Result<std::string> uncompressed_core(const std::string &core_path, const std::string &cache_dir);

} // namespace vmcorefs
