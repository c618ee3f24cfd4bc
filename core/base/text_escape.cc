#include "base/text_escape.h"

namespace vmcorefs {
namespace {

// The length of the well-formed UTF-8 sequence bytes starts with (the Unicode standard's table
// 3-7), with its code point; 0 when there is none there: a stray continuation byte, an overlong
// form, a surrogate (ED A0..BF), a code point past U+10FFFF, a sequence cut short.
size_t utf8_sequence(std::string_view bytes, char32_t &code_point)
{
	auto byte = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
	unsigned char lead = byte(0);
	size_t length;
	char32_t smallest;
	if (lead < 0x80) {
		code_point = lead;
		return 1;
	} else if (lead >= 0xc2 && lead <= 0xdf) {
		length = 2, smallest = 0x80, code_point = lead & 0x1f;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		length = 3, smallest = 0x800, code_point = lead & 0x0f;
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		length = 4, smallest = 0x10000, code_point = lead & 0x07;
	} else {
		return 0;
	}
	if (bytes.size() < length)
		return 0;
	for (size_t i = 1; i < length; i++) {
		if ((byte(i) & 0xc0) != 0x80)
			return 0;
		code_point = code_point << 6 | (byte(i) & 0x3f);
	}
	bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
	if (code_point < smallest || code_point > 0x10ffff || surrogate)
		return 0;
	return length;
}

// C0 controls (newline, tab, ESC...), DEL and the C1 controls (U+0080-U+009F: some terminals
// take U+009B as CSI, the start of an escape sequence).
bool is_control(char32_t code_point)
{
	return code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f);
}

void append_hex(std::string &out, const char *prefix, unsigned value, int digits)
{
	static const char hex_digits[] = "0123456789abcdef";
	out += prefix;
	for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4)
		out += hex_digits[(value >> shift) & 0xf];
}

} // namespace

std::string printable(std::string_view bytes)
{
	std::string out;
	out.reserve(bytes.size());
	while (!bytes.empty()) {
		char32_t code_point;
		size_t length = utf8_sequence(bytes, code_point);
		if (length && !is_control(code_point)) {
			if (code_point == '\\')
				out += '\\';
			out += bytes.substr(0, length);
		} else {
			// A control character is escaped byte by byte too: U+009B is \xc2\x9b.
			length = length ? length : 1;
			for (size_t i = 0; i < length; i++)
				append_hex(out, "\\x", static_cast<unsigned char>(bytes[i]), 2);
		}
		bytes.remove_prefix(length);
	}
	return out;
}

std::string json_string(std::string_view bytes)
{
	std::string out = "\"";
	out.reserve(bytes.size() + 2);
	while (!bytes.empty()) {
		char32_t code_point;
		size_t length = utf8_sequence(bytes, code_point);
		if (!length) {
			append_hex(out, "\\\\x", static_cast<unsigned char>(bytes[0]), 2);
			length = 1;
		} else if (is_control(code_point)) {
			append_hex(out, "\\u", code_point, 4);
		} else {
			if (code_point == '"' || code_point == '\\')
				out += '\\';
			out += bytes.substr(0, length);
		}
		bytes.remove_prefix(length);
	}
	return out + "\"";
}

} // namespace vmcorefs
