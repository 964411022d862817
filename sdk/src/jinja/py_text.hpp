#pragma once
// Python's str semantics over UTF-8 text, as chat templates see them: lengths
// and indices count code points, whitespace is str.isspace(), floats print as
// repr() does.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tp::jinja::py {

bool is_space(char32_t c);  // str.isspace()

std::u32string decode(std::string_view utf8);
std::string encode(std::u32string_view text);
std::size_t length(std::string_view utf8);  // len(s): code points

// str.strip / lstrip / rstrip: whitespace, or any of `chars` when given.
std::string strip(std::string_view text, const std::optional<std::string>& chars, bool left, bool right);
// str.split(sep, maxsplit) and str.rsplit; no sep: runs of whitespace.
std::vector<std::string> split(std::string_view text, const std::optional<std::string>& sep, std::int64_t maxsplit,
                               bool from_right);
std::vector<std::string> splitlines(std::string_view text);
std::string lower(std::string_view text);
std::string upper(std::string_view text);
std::string title(std::string_view text);
std::string capitalize(std::string_view text);
std::string replace(std::string_view text, std::string_view old, std::string_view with, std::int64_t count);

// repr() of a float: the shortest digits that round-trip, in Python's layout.
std::string float_repr(double value);
// float(text) for a whole decimal number: past the double range it is ±inf,
// below it 0 or a subnormal, as CPython rounds; nothing when text is not all number.
std::optional<double> parse_float(const std::string& text);
// repr() of a str: quoted and escaped as Python prints it inside a list.
std::string string_repr(std::string_view text);

}  // namespace tp::jinja::py
