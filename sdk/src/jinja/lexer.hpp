#pragma once
// Splits a template into text and the tokens of its tags, applying jinja2's
// whitespace control with HF's settings (trim_blocks, lstrip_blocks, the
// trailing newline dropped, line endings as str.splitlines() sees them).
#include <cstdint>
#include <string>
#include <vector>

namespace tp::jinja {

enum class TokenType { Text, VariableBegin, VariableEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, End };

struct Token {
  TokenType type = TokenType::End;
  std::string text;  // text, name, operator, or a string literal's decoded value
  std::int64_t integer = 0;
  double real = 0;
  std::uint32_t line = 0, column = 0;
};

// Throws tp::Error naming `template_name`, line and column.
std::vector<Token> tokenize(const std::string& source, const std::string& template_name);

}  // namespace tp::jinja
