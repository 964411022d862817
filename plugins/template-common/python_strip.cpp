#include "python_strip.hpp"

#include <cstdint>

namespace tp::templates {
namespace {

// The code points for which Python's str.isspace() is true.
bool is_python_space(std::uint32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

bool is_continuation(unsigned char byte) { return (byte & 0xc0) == 0x80; }

// Decodes the code point starting at text[pos]; invalid UTF-8 decodes as a
// non-space, so malformed bytes are never stripped.
std::uint32_t decode_at(std::string_view text, std::size_t pos, std::size_t& length) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  if (length == 0 || pos + length > text.size()) {
    length = 1;
    return 0xfffd;
  }
  if (length == 1) return lead;
  std::uint32_t code = lead & (0x7f >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if (!is_continuation(byte)) {
      length = 1;
      return 0xfffd;
    }
    code = (code << 6) | (byte & 0x3f);
  }
  return code;
}

}  // namespace

std::string_view python_strip(std::string_view utf8) {
  std::size_t begin = 0;
  while (begin < utf8.size()) {
    std::size_t length = 0;
    if (!is_python_space(decode_at(utf8, begin, length))) break;
    begin += length;
  }
  std::size_t end = utf8.size();
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && is_continuation(static_cast<unsigned char>(utf8[start]))) --start;
    std::size_t length = 0;
    if (!is_python_space(decode_at(utf8, start, length)) || start + length != end) break;
    end = start;
  }
  return utf8.substr(begin, end - begin);
}

}  // namespace tp::templates
