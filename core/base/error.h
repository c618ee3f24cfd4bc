// The one error type of vmcorefs_core, and Result<T>, the value-or-error every fallible function
// returns. Errors carry the file they concern and, where it helps, the offset or address at fault,
// so that a single line can tell the user what went wrong and where. fs/ turns them into errno
// (to_errno) at the FUSE boundary and into exit codes in the command line; nothing in core/ exits
// or throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace vmcorefs {

enum class ErrorCode {
	io,            // a system call failed; errno_value says which error
	not_elf,       // the input is not an ELF file
	not_core,      // ELF, but not a process core (ET_CORE)
	truncated,     // the file ends before data its headers describe
	corrupt,       // headers or notes that contradict themselves or the file
	not_qemu,      // a core, but not of a QEMU system emulator
	no_debug_info, // QEMU's DWARF could not be found
	mismatch,      // debug info or executable with another build-id than the core's
	bad_structure, // QEMU's structures in the core do not make sense
	absent,        // the memory asked for is not in the core
	unsupported,   // understood, but not something vmcorefs handles (yet)
	no_guest_ram,  // the core holds none of the guest's RAM
	usage,         // the caller asked for something impossible (bad option, bad path)
	changed,       // the file is no longer what was opened (shrank, rewritten)
};

struct Error {
	ErrorCode code;
	std::string file;           // the file at fault; empty when none applies
	std::string message;        // what went wrong, one line, no trailing period
	std::optional<uint64_t> at; // file offset or address at fault, when known
	int errno_value = 0;        // for ErrorCode::io

	// "FILE: MESSAGE", the form every error is shown in.
	std::string to_string() const;
	// The errno a FUSE reply carries for this error.
	int to_errno() const;
};

// Builds an Error; the message may be assembled by the caller with std::format-like helpers.
Error make_error(ErrorCode code, std::string file, std::string message,
		 std::optional<uint64_t> at = std::nullopt);
// An ErrorCode::io error from errno, with "WHAT: strerror(errno)" as the message.
Error make_io_error(std::string file, const std::string &what, int errno_value);

// A value or an Error (C++20 has no std::expected).
template <typename T> class [[nodiscard]] Result {
public:
	Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
	Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }
	T &value() & { return std::get<0>(v_); }
	const T &value() const & { return std::get<0>(v_); }
	T &&value() && { return std::get<0>(std::move(v_)); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }
	T &operator*() & { return value(); }
	const T &operator*() const & { return value(); }
	const Error &error() const { return std::get<1>(v_); }
	Error &&take_error() { return std::get<1>(std::move(v_)); }

private:
	std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <> class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Error error) : error_(std::move(error)) {}
	bool ok() const { return !error_; }
	explicit operator bool() const { return ok(); }
	const Error &error() const { return *error_; }
	Error &&take_error() { return std::move(*error_); }

private:
	std::optional<Error> error_;
};

// Hex formatting used in every message: "0x1f000".
std::string hex(uint64_t value);

} // namespace vmcorefs

// Propagates the error of a Result-returning expression; otherwise yields nothing.
#define VMCOREFS_TRY(expr)                                                                         \
	do {                                                                                       \
		auto vmcorefs_try_result_ = (expr);                                                \
		if (!vmcorefs_try_result_.ok())                                                    \
			return vmcorefs_try_result_.take_error();                                  \
	} while (0)
