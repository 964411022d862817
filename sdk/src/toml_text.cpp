#include "tunepipe/toml_text.hpp"

namespace tp {
namespace {

enum class State { Code, Comment, Basic, MultiBasic, Literal, MultiLiteral };

bool starts(std::string_view text, std::size_t at, std::string_view what) { return text.substr(at, what.size()) == what; }

// The character starting at `at` as written, for the message (the whole UTF-8 sequence when it is one).
std::string character_at(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  std::size_t end = at + 1;
  while (end < text.size() && end < at + length && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  return std::string(text.substr(at, end - at));
}

}  // namespace

std::optional<TomlNonAscii> non_ascii_outside_toml_strings(std::string_view text) {
  State state = State::Code;
  std::uint32_t line = 1, column = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool continuation = (static_cast<unsigned char>(c) & 0xC0) == 0x80;
    if (c == '\n') {
      ++line;
      column = 1;
      // A single-line string or a comment ends with its line (an unterminated string is toml++'s to report).
      if (state == State::Comment || state == State::Basic || state == State::Literal) state = State::Code;
      continue;
    }
    if (!continuation) ++column;
    switch (state) {
      case State::Code:
        if (static_cast<unsigned char>(c) >= 0x80)
          return TomlNonAscii{line, column - 1, character_at(text, i)};
        if (c == '#') state = State::Comment;
        else if (starts(text, i, "\"\"\"")) state = State::MultiBasic, i += 2, column += 2;
        else if (starts(text, i, "'''")) state = State::MultiLiteral, i += 2, column += 2;
        else if (c == '"') state = State::Basic;
        else if (c == '\'') state = State::Literal;
        break;
      case State::Basic:
      case State::MultiBasic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ++i, ++column;
        else if (state == State::Basic && c == '"') state = State::Code;
        else if (state == State::MultiBasic && starts(text, i, "\"\"\"")) state = State::Code, i += 2, column += 2;
        break;
      case State::Literal:
        if (c == '\'') state = State::Code;
        break;
      case State::MultiLiteral:
        if (starts(text, i, "'''")) state = State::Code, i += 2, column += 2;
        break;
      case State::Comment:
        break;
    }
  }
  return std::nullopt;
}

}  // namespace tp
