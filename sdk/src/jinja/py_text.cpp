#include "jinja/py_text.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <cstdio>

#include "tokenizer/utf8.hpp"

namespace tp::jinja::py {

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

std::u32string decode(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  std::size_t pos = 0;
  while (pos < utf8.size()) out.push_back(tp::utf8::next_code_point(utf8, pos));
  return out;
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) tp::utf8::append_code_point(out, c);
  return out;
}

std::size_t length(std::string_view utf8) {
  std::size_t count = 0;
  for (unsigned char byte : utf8) count += (byte & 0xc0) != 0x80;
  return count;
}

std::string strip(std::string_view text, const std::optional<std::string>& chars, bool left, bool right) {
  const std::u32string s = decode(text);
  const std::u32string set = chars ? decode(*chars) : std::u32string{};
  const auto strippable = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : is_space(c); };
  std::size_t begin = 0, end = s.size();
  if (left)
    while (begin < end && strippable(s[begin])) ++begin;
  if (right)
    while (end > begin && strippable(s[end - 1])) --end;
  return encode(std::u32string_view(s).substr(begin, end - begin));
}

namespace {

std::vector<std::string> split_whitespace(std::string_view text, std::int64_t maxsplit, bool from_right) {
  std::u32string s = decode(text);
  if (from_right) std::reverse(s.begin(), s.end());
  std::vector<std::u32string> parts;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i == s.size()) break;
    if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit) {
      std::size_t end = s.size();
      while (end > i && is_space(s[end - 1])) --end;
      parts.push_back(s.substr(i, end - i));
      break;
    }
    std::size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    parts.push_back(s.substr(i, j - i));
    i = j;
  }
  std::vector<std::string> out;
  for (auto& part : parts) {
    if (from_right) std::reverse(part.begin(), part.end());
    out.push_back(encode(part));
  }
  if (from_right) std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> split(std::string_view text, const std::optional<std::string>& sep, std::int64_t maxsplit,
                               bool from_right) {
  if (!sep) return split_whitespace(text, maxsplit, from_right);
  std::vector<std::string> out;
  if (!from_right) {
    std::size_t start = 0;
    while (maxsplit < 0 || static_cast<std::int64_t>(out.size()) < maxsplit) {
      const std::size_t at = text.find(*sep, start);
      if (at == std::string_view::npos) break;
      out.emplace_back(text.substr(start, at - start));
      start = at + sep->size();
    }
    out.emplace_back(text.substr(start));
    return out;
  }
  std::size_t end = text.size();
  std::vector<std::string> reversed;
  while (maxsplit < 0 || static_cast<std::int64_t>(reversed.size()) < maxsplit) {
    if (end < sep->size()) break;
    const std::size_t at = text.rfind(*sep, end - sep->size());
    if (at == std::string_view::npos) break;
    reversed.emplace_back(text.substr(at + sep->size(), end - at - sep->size()));
    end = at;
  }
  reversed.emplace_back(text.substr(0, end));
  return {reversed.rbegin(), reversed.rend()};
}

std::vector<std::string> splitlines(std::string_view text) {
  const std::u32string s = decode(text);
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    const bool breaks = c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e ||
                        c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!breaks) continue;
    out.push_back(encode(std::u32string_view(s).substr(start, i - start)));
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < s.size()) out.push_back(encode(std::u32string_view(s).substr(start)));
  return out;
}

namespace {

template <typename Map>
std::string map_code_points(std::string_view text, Map map) {
  std::u32string s = decode(text);
  for (char32_t& c : s) c = map(c);
  return encode(s);
}

char32_t to_lower(char32_t c) { return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))); }
char32_t to_upper(char32_t c) { return static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(c))); }
char32_t to_title(char32_t c) { return static_cast<char32_t>(utf8proc_totitle(static_cast<utf8proc_int32_t>(c))); }

bool is_cased_letter(char32_t c) { return to_lower(c) != c || to_upper(c) != c; }

}  // namespace

std::string lower(std::string_view text) { return map_code_points(text, to_lower); }
std::string upper(std::string_view text) { return map_code_points(text, to_upper); }

std::string title(std::string_view text) {
  bool previous_cased = false;
  return map_code_points(text, [&](char32_t c) {
    const char32_t mapped = previous_cased ? to_lower(c) : to_title(c);
    previous_cased = is_cased_letter(c);
    return mapped;
  });
}

std::string capitalize(std::string_view text) {
  bool first = true;
  return map_code_points(text, [&](char32_t c) {
    const char32_t mapped = first ? to_title(c) : to_lower(c);
    first = false;
    return mapped;
  });
}

std::string replace(std::string_view text, std::string_view old, std::string_view with, std::int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts `with` between code points (and at both ends).
    const std::u32string s = decode(text);
    std::int64_t done = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
      if (count < 0 || done < count) {
        out += with;
        ++done;
      }
      if (i < s.size()) tp::utf8::append_code_point(out, s[i]);
    }
    return out;
  }
  std::size_t start = 0;
  std::int64_t done = 0;
  while (count < 0 || done < count) {
    const std::size_t at = text.find(old, start);
    if (at == std::string_view::npos) break;
    out.append(text.substr(start, at - start));
    out.append(with);
    start = at + old.size();
    ++done;
  }
  out.append(text.substr(start));
  return out;
}

std::string float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string scientific(buffer, result.ptr);  // [-]d[.ddd]e±XX
  const bool negative = scientific[0] == '-';
  const std::size_t e = scientific.find('e');
  std::string digits;
  for (std::size_t i = negative ? 1 : 0; i < e; ++i)
    if (scientific[i] != '.') digits += scientific[i];
  const int exponent = std::stoi(scientific.substr(e + 1));
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent >= 0) {
      const std::size_t integer_digits = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() <= integer_digits) {
        out += digits + std::string(integer_digits - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, integer_digits) + "." + digits.substr(integer_digits);
      }
    } else {
      out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_text[16];
  std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return out + exp_text;
}

std::string string_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : decode(text)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(c));
      out += hex;
    } else if (c == 0xad || c == 0x2028 || c == 0x2029 || (c >= 0x200b && c <= 0x200f) || c == 0xfeff) {
      // Python's repr escapes code points that are not printable.
      char hex[12];
      std::snprintf(hex, sizeof hex, c > 0xff ? "\\u%04x" : "\\x%02x", static_cast<unsigned>(c));
      out += hex;
    } else {
      tp::utf8::append_code_point(out, c);
    }
  }
  out += quote;
  return out;
}

std::optional<double> parse_float(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);  // ERANGE keeps ±HUGE_VAL (inf) or the underflowed value
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

}  // namespace tp::jinja::py
