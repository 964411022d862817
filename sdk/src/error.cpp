#include "tunepipe/error.hpp"

#include <fmt/format.h>

namespace tp {

std::string Location::str() const {
  if (file.empty()) return {};
  if (line == 0) return file;
  if (column == 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {

// Bytes of one unbroken word an error message shows in full: more than any
// path or command the message asks the user to run.
constexpr std::size_t kLongestWord = 1024;
constexpr std::size_t kWordHead = 512;
constexpr std::size_t kWordTail = 256;

bool utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// A value quoted from the input can be megabytes (a token, a key, a line):
// each unbroken word longer than kLongestWord keeps its head and tail around
// an ellipsis that says how much was cut, cut on character boundaries.
std::string with_long_words_cut(const std::string& text) {
  std::string out;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = begin;
    while (end < text.size() && text[end] != ' ' && text[end] != '\n') ++end;
    if (end - begin <= kLongestWord) {
      out.append(text, begin, end - begin);
    } else {
      std::size_t head_end = begin + kWordHead;
      while (head_end > begin && utf8_continuation(text[head_end])) --head_end;
      std::size_t tail_begin = end - kWordTail;
      while (tail_begin < end && utf8_continuation(text[tail_begin])) ++tail_begin;
      out.append(text, begin, head_end - begin);
      out += fmt::format("…[{} bytes cut]…", tail_begin - head_end);
      out.append(text, tail_begin, end - tail_begin);
    }
    if (end < text.size()) out += text[end];
    begin = end + 1;
  }
  return out;
}

}  // namespace

std::string Diagnostic::str() const {
  const std::string at = with_long_words_cut(where.str());
  const std::string what = with_long_words_cut(message);
  return at.empty() ? fmt::format("error: {}", what) : fmt::format("{}: error: {}", at, what);
}

void Diagnostics::error(Location where, std::string message) {
  items_.push_back(Diagnostic{std::move(where), std::move(message)});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

void Diagnostics::throw_if_any() const {
  if (!items_.empty()) throw ValidationError(items_);
}

static std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics) {
    if (!text.empty()) text += '\n';
    text += d.str();
  }
  return text;
}

ValidationError::ValidationError(std::vector<Diagnostic> diagnostics)
    : Error(PreformattedTag{}, join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace tp
