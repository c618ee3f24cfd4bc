// Text read from a core, made safe to show. A core is untrusted input: a RAMBlock idstr, the
// machine name, a path in the NT_FILE note can hold any bytes, and printed raw an escape sequence
// (ESC [ 2 J) would drive the user's terminal, a newline would forge a second error line, and a
// byte that is not UTF-8 would make info.json invalid JSON. Every string from a core goes through
// one of these two on its way out.
#pragma once

#include <string>
#include <string_view>

namespace vmcorefs {

// For people (the terminal, MOUNTPOINT/info, error lines): printable ASCII and well-formed UTF-8
// of printable characters as they are; every other byte (C0 and C1 controls, DEL, bytes that are
// not UTF-8) as "\xHH", and "\" as "\\", so that the result is one line of the same text and
// tells the original bytes apart: "\x1b" in it was an ESC, "\\x1b" the four characters.
std::string printable(std::string_view bytes);

// For JSON (MOUNTPOINT/info.json): a complete string literal, quotes included, that is valid JSON
// and valid UTF-8 whatever the bytes. Well-formed UTF-8 is kept, '"' and '\' escaped, controls
// (C0, DEL, C1) as \u00XX. JSON strings are Unicode, so a byte that is not UTF-8 has no faithful
// form: it becomes the four characters \xHH (JSON text "\\xHH"), which shows the byte; U+FFFD
// would lose it and a lone surrogate escape (\udcHH) is rejected by strict parsers.
std::string json_string(std::string_view bytes);

} // namespace vmcorefs
