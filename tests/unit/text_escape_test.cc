// The escaping of text read from a core: what printable() shows a terminal and what json_string()
// puts in info.json, byte by byte for the cases an adversarial core tries (escape sequences, NUL,
// newlines, C1 controls, every kind of malformed UTF-8), then for random bytes against checkers
// written here independently of core/base/text_escape.cc: Unicode's table of well-formed UTF-8 and
// a strict JSON string parser.
#include <cstdio>
#include <gtest/gtest.h>
#include <optional>
#include <random>

#include "base/text_escape.h"

namespace vmcorefs {
namespace {

using namespace std::string_literals;

TEST(Printable, KeepsPlainText)
{
	EXPECT_EQ(printable("pc.ram"), "pc.ram");
	EXPECT_EQ(printable("/rom@etc/acpi/tables"), "/rom@etc/acpi/tables");
	EXPECT_EQ(printable(" !~'\"{}"), " !~'\"{}");
	EXPECT_EQ(printable(""), "");
}

TEST(Printable, EscapesControls)
{
	EXPECT_EQ(printable("\x1b[2J\x1b[H"), "\\x1b[2J\\x1b[H");
	EXPECT_EQ(printable("a\0b"s), "a\\x00b");
	EXPECT_EQ(printable("one\ntwo\r"), "one\\x0atwo\\x0d");
	EXPECT_EQ(printable("\t"), "\\x09");
	EXPECT_EQ(printable("\x7f"), "\\x7f");
	// C1: U+0085 (NEL) and U+009B (CSI, an escape sequence to some terminals).
	EXPECT_EQ(printable("\xc2\x85"), "\\xc2\\x85");
	EXPECT_EQ(printable("\xc2\x9b"
			    "2J"),
		  "\\xc2\\x9b2J");
}

TEST(Printable, DoublesBackslashesSoEscapesAreUnambiguous)
{
	EXPECT_EQ(printable("a\\b"), "a\\\\b");
	EXPECT_EQ(printable("\\x1b"), "\\\\x1b");
	EXPECT_NE(printable("\\x1b"), printable("\x1b"));
}

TEST(Printable, KeepsWellFormedUtf8)
{
	EXPECT_EQ(printable("\xc2\xa0"), "\xc2\xa0");                 // U+00A0, the first after C1
	EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");           // é, 2 bytes
	EXPECT_EQ(printable("\xe2\x82\xac"), "\xe2\x82\xac");         // €, 3 bytes
	EXPECT_EQ(printable("\xed\x9f\xbf"), "\xed\x9f\xbf");         // U+D7FF, before surrogates
	EXPECT_EQ(printable("\xee\x80\x80"), "\xee\x80\x80");         // U+E000, above them
	EXPECT_EQ(printable("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80"); // U+1F600, 4 bytes
	EXPECT_EQ(printable("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf"); // U+10FFFF, the last
}

TEST(Printable, EscapesMalformedUtf8ByteByByte)
{
	// Overlong forms of '/' and of U+007F.
	EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");
	EXPECT_EQ(printable("\xc1\xbf"), "\\xc1\\xbf");
	EXPECT_EQ(printable("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
	EXPECT_EQ(printable("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf");
	// Surrogates, encoded as if they were characters (CESU-8).
	EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	EXPECT_EQ(printable("\xed\xbf\xbf"), "\\xed\\xbf\\xbf");
	// Past U+10FFFF.
	EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
	EXPECT_EQ(printable("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80");
	// Cut short: at the end, before ASCII, before a whole sequence.
	EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");
	EXPECT_EQ(printable("\xf0\x9f\x98"
			    "A"),
		  "\\xf0\\x9f\\x98"
		  "A");
	EXPECT_EQ(printable("\xe2\x82\xe2\x82\xac"), "\\xe2\\x82\xe2\x82\xac");
	// Bytes that never start a sequence.
	EXPECT_EQ(printable("\x80"), "\\x80");
	EXPECT_EQ(printable("\xbf\xfe\xff"), "\\xbf\\xfe\\xff");
}

TEST(JsonString, QuotesAndEscapes)
{
	EXPECT_EQ(json_string(""), "\"\"");
	EXPECT_EQ(json_string("pc.ram"), "\"pc.ram\"");
	EXPECT_EQ(json_string("a\"b\\c/"), "\"a\\\"b\\\\c/\"");
}

TEST(JsonString, EscapesControls)
{
	EXPECT_EQ(json_string("\x1b[2J"), "\"\\u001b[2J\"");
	EXPECT_EQ(json_string("a\0b"s), "\"a\\u0000b\"");
	EXPECT_EQ(json_string("\n\t"), "\"\\u000a\\u0009\"");
	EXPECT_EQ(json_string("\x7f"), "\"\\u007f\"");
	EXPECT_EQ(json_string("\xc2\x9b"), "\"\\u009b\"");
}

TEST(JsonString, KeepsWellFormedUtf8)
{
	EXPECT_EQ(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

TEST(JsonString, ShowsBytesThatAreNotUtf8AsBackslashX)
{
	EXPECT_EQ(json_string("a\xff"
			      "b"),
		  "\"a\\\\xffb\"");
	EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\\\xed\\\\xa0\\\\x80\"");
	EXPECT_EQ(json_string("\xc0\xaf"), "\"\\\\xc0\\\\xaf\"");
	EXPECT_EQ(json_string("\xe2\x82"), "\"\\\\xe2\\\\x82\"");
}

// The length of the well-formed UTF-8 sequence s starts with, by the Unicode standard's table 3-7
// (lead byte ranges and the range each allows for the second byte), or 0.
size_t well_formed_length(std::string_view s)
{
	struct Row {
		uint8_t lead_low, lead_high, second_low, second_high;
		size_t length;
	};
	static constexpr Row table[] = {
		{0x00, 0x7f, 0x00, 0x00, 1}, {0xc2, 0xdf, 0x80, 0xbf, 2},
		{0xe0, 0xe0, 0xa0, 0xbf, 3}, {0xe1, 0xec, 0x80, 0xbf, 3},
		{0xed, 0xed, 0x80, 0x9f, 3}, {0xee, 0xef, 0x80, 0xbf, 3},
		{0xf0, 0xf0, 0x90, 0xbf, 4}, {0xf1, 0xf3, 0x80, 0xbf, 4},
		{0xf4, 0xf4, 0x80, 0x8f, 4},
	};
	auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
	for (const Row &row : table) {
		if (byte(0) < row.lead_low || byte(0) > row.lead_high)
			continue;
		if (s.size() < row.length)
			return 0;
		for (size_t i = 1; i < row.length; i++) {
			uint8_t low = i == 1 ? row.second_low : 0x80;
			uint8_t high = i == 1 ? row.second_high : 0xbf;
			if (byte(i) < low || byte(i) > high)
				return 0;
		}
		return row.length;
	}
	return 0;
}

bool is_well_formed(std::string_view s)
{
	for (size_t n; !s.empty(); s.remove_prefix(n))
		if (!(n = well_formed_length(s)))
			return false;
	return true;
}

// value in UTF-8's bit pattern of length bytes (1 to 4), whether or not that is well-formed:
// surrogates, values past U+10FFFF and overlong forms come out as a careless encoder writes them.
std::string encode(uint32_t value, size_t length)
{
	static const uint8_t lead_bits[] = {0x00, 0x00, 0xc0, 0xe0, 0xf0};
	std::string out(length, '\0');
	for (size_t i = length - 1; i > 0; i--, value >>= 6)
		out[i] = char(0x80 | (value & 0x3f));
	out[0] = char(lead_bits[length] | value);
	return out;
}

std::string utf8(uint32_t code_point)
{
	if (code_point < 0x80)
		return encode(code_point, 1);
	if (code_point < 0x800)
		return encode(code_point, 2);
	return encode(code_point, code_point < 0x10000 ? 3 : 4);
}

int hex_digit(char c)
{
	static const std::string digits = "0123456789abcdef";
	size_t at = digits.find(char(tolower(static_cast<unsigned char>(c))));
	return at == std::string::npos ? -1 : int(at);
}

// The value of a JSON string literal (RFC 8259) as UTF-8, or nothing when it is not one: text
// that is not UTF-8, a raw control character or quote inside, an unknown escape, a lone
// surrogate escape (which strict parsers refuse).
std::optional<std::string> parse_json_string(std::string_view json)
{
	if (!is_well_formed(json) || json.size() < 2 || json.front() != '"' || json.back() != '"')
		return std::nullopt;
	std::string_view s = json.substr(1, json.size() - 2);
	auto hex4 = [&](size_t at) -> std::optional<uint32_t> {
		if (s.size() < at + 4)
			return std::nullopt;
		uint32_t value = 0;
		for (char c : s.substr(at, 4)) {
			if (hex_digit(c) < 0)
				return std::nullopt;
			value = value << 4 | uint32_t(hex_digit(c));
		}
		return value;
	};
	std::string out;
	for (size_t i = 0; i < s.size();) {
		char c = s[i];
		if (static_cast<unsigned char>(c) < 0x20 || c == '"')
			return std::nullopt;
		if (c != '\\') {
			out += c;
			i++;
			continue;
		}
		if (i + 1 == s.size())
			return std::nullopt;
		char e = s[i + 1];
		static const std::string simple = "\"\\/bfnrt", meant = "\"\\/\b\f\n\r\t";
		if (size_t k = simple.find(e); k != std::string::npos) {
			out += meant[k];
			i += 2;
			continue;
		}
		auto unit = e == 'u' ? hex4(i + 2) : std::nullopt;
		if (!unit || (*unit >= 0xdc00 && *unit <= 0xdfff))
			return std::nullopt;
		i += 6;
		uint32_t code_point = *unit;
		if (*unit >= 0xd800 && *unit <= 0xdbff) {
			auto low = s.substr(i, 2) == "\\u" ? hex4(i + 2) : std::nullopt;
			if (!low || *low < 0xdc00 || *low > 0xdfff)
				return std::nullopt;
			code_point = 0x10000 + ((*unit - 0xd800) << 10) + (*low - 0xdc00);
			i += 6;
		}
		out += utf8(code_point);
	}
	return out;
}

// Undoes printable(): "\\" and "\xHH" back to bytes; nothing when another escape is there.
std::optional<std::string> unprintable(std::string_view s)
{
	std::string out;
	for (size_t i = 0; i < s.size();) {
		if (s[i] != '\\') {
			out += s[i++];
		} else if (s.substr(i, 2) == "\\\\") {
			out += '\\';
			i += 2;
		} else if (s.substr(i, 2) == "\\x" && s.size() >= i + 4 &&
			   hex_digit(s[i + 2]) >= 0 && hex_digit(s[i + 3]) >= 0) {
			out += char(hex_digit(s[i + 2]) << 4 | hex_digit(s[i + 3]));
			i += 4;
		} else {
			return std::nullopt;
		}
	}
	return out;
}

// Bytes like an adversarial core's: random bytes mixed with the characters that need escaping,
// whole UTF-8 sequences (C1 controls among them), sequences cut short and ill-formed ones.
std::string random_bytes(std::mt19937 &rng)
{
	auto below = [&](uint32_t n) {
		return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng);
	};
	static const std::string specials = "\\\"\x1b\n\t\x7f"s + '\0';
	std::string out;
	for (uint32_t pieces = below(16); pieces--;) {
		uint32_t code_point = below(2) ? below(0x800) : below(0x110000);
		switch (below(6)) {
		case 0: out += char(below(256)); break;
		case 1: out += specials[below(specials.size())]; break;
		case 2: out += utf8(code_point); break;
		case 3: out += utf8(code_point).substr(0, below(4) + 1); break;
		case 4: out += encode(0xd800 + below(0x800), 3); break; // a surrogate
		default: out += encode(below(0x200000), 4); break;      // overlong, past U+10FFFF
		}
	}
	return out;
}

// What info.json should say for bytes, by the header's rule: well-formed UTF-8 as it is, any
// other byte as the four characters \xHH.
std::string expected_json_value(std::string_view bytes)
{
	std::string out;
	while (!bytes.empty()) {
		size_t n = well_formed_length(bytes);
		if (n) {
			out += bytes.substr(0, n);
		} else {
			char buf[5];
			snprintf(buf, sizeof buf, "\\x%02x", static_cast<uint8_t>(bytes[0]));
			out += buf;
			n = 1;
		}
		bytes.remove_prefix(n);
	}
	return out;
}

// Only printable ASCII and well-formed UTF-8 of characters that are not C1 controls.
bool only_printable_characters(std::string_view s)
{
	for (size_t n; !s.empty(); s.remove_prefix(n)) {
		n = well_formed_length(s);
		auto lead = static_cast<uint8_t>(s[0]);
		if (n == 0 || (n == 1 && (lead < 0x20 || lead == 0x7f)))
			return false;
		if (n == 2 && lead == 0xc2 && static_cast<uint8_t>(s[1]) <= 0x9f)
			return false;
	}
	return true;
}

TEST(TextEscape, RandomBytesGiveValidJsonAndPrintableText)
{
	std::mt19937 rng(20240501);
	for (int round = 0; round < 10000; round++) {
		std::string bytes = random_bytes(rng);
		std::string json = json_string(bytes);
		auto value = parse_json_string(json);
		ASSERT_TRUE(value) << json;
		EXPECT_EQ(*value, expected_json_value(bytes)) << json;

		std::string text = printable(bytes);
		EXPECT_TRUE(only_printable_characters(text)) << text;
		EXPECT_EQ(unprintable(text), bytes) << text;
	}
}

} // namespace
} // namespace vmcorefs
