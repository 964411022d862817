#include "jinja/lexer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "jinja/py_text.hpp"
#include "tokenizer/utf8.hpp"
#include "tunepipe/error.hpp"

namespace tp::jinja {
namespace {

// jinja2 joins source.splitlines() with "\n" and drops one trailing line break.
std::string normalize_newlines(const std::string& source) {
  std::u32string in = py::decode(source);
  std::u32string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char32_t c = in[i];
    const bool breaks = c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e ||
                        c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!breaks) {
      out.push_back(c);
      continue;
    }
    if (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ++i;
    out.push_back('\n');
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return py::encode(out);
}

bool all_space(std::string_view text) {
  const std::u32string s = py::decode(text);
  return !s.empty() && std::all_of(s.begin(), s.end(), py::is_space);
}

std::string rstrip_space(std::string_view text) { return py::strip(text, std::nullopt, false, true); }

// Length of the run of whitespace (str.isspace) at the start of text.
std::size_t leading_space_bytes(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t next = pos;
    if (!py::is_space(tp::utf8::next_code_point(text, next))) break;
    pos = next;
  }
  return pos;
}

class Lexer {
 public:
  Lexer(std::string source, const std::string& name) : src_(std::move(source)), name_(name) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    bool line_starting = true;
    while (pos_ <= src_.size()) {
      const std::size_t tag = find_tag(pos_);
      std::string text = src_.substr(pos_, tag - pos_);
      if (tag == src_.size()) {
        emit_text(std::move(text), pos_);
        break;
      }
      const char kind = src_[tag + 1];
      const char sign = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (sign == '-') {
        text = rstrip_space(text);
      } else if (sign != '+' && kind != '{') {
        const std::size_t line_start = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
        if ((line_start > 0 || line_starting) && all_space(std::string_view(text).substr(line_start)))
          text.resize(line_start);
      }
      emit_text(std::move(text), pos_);
      const std::size_t inner = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
      std::size_t after = 0;
      if (kind == '#') {
        after = comment_end(tag, inner);
      } else {
        after = tag_tokens(tag, inner, kind == '%');
      }
      line_starting = after > 0 && src_[after - 1] == '\n';
      pos_ = after;
      if (kind == '%' && is_raw_open()) pos_ = raw_body(pos_, line_starting);
    }
    tokens_.push_back(Token{TokenType::End, "", 0, 0, line_of(src_.size()), column_of(src_.size())});
    return std::move(tokens_);
  }

 private:
  std::size_t find_tag(std::size_t from) const {
    std::size_t at = from;
    while ((at = src_.find('{', at)) != std::string::npos) {
      if (at + 1 < src_.size() && (src_[at + 1] == '{' || src_[at + 1] == '%' || src_[at + 1] == '#')) return at;
      ++at;
    }
    return src_.size();
  }

  void emit_text(std::string text, std::size_t at) {
    if (text.empty()) return;
    tokens_.push_back(Token{TokenType::Text, std::move(text), 0, 0, line_of(at), column_of(at)});
  }

  // After "%}" / "#}": "-" strips all following whitespace, "+" keeps it,
  // otherwise trim_blocks removes one newline.
  std::size_t after_tag_end(std::size_t end, char sign) const {
    if (sign == '-') return end + leading_space_bytes(std::string_view(src_).substr(end));
    if (sign != '+' && end < src_.size() && src_[end] == '\n') return end + 1;
    return end;
  }

  std::size_t comment_end(std::size_t tag, std::size_t inner) {
    const std::size_t close = src_.find("#}", inner);
    if (close == std::string::npos) fail(tag, "unterminated comment: no \"#}\" closes this \"{#\"");
    const char sign = close > inner && (src_[close - 1] == '-' || src_[close - 1] == '+') ? src_[close - 1] : '\0';
    return after_tag_end(close + 2, sign);
  }

  // Tokens of a {{ … }} or {% … %} tag; returns the offset after it.
  std::size_t tag_tokens(std::size_t tag, std::size_t inner, bool block) {
    tokens_.push_back(Token{block ? TokenType::BlockBegin : TokenType::VariableBegin, "", 0, 0, line_of(tag),
                            column_of(tag)});
    block_start_ = tokens_.size();
    std::size_t p = inner;
    int depth = 0;
    const std::string close = block ? "%}" : "}}";
    while (true) {
      while (p < src_.size() && py::is_space(static_cast<unsigned char>(src_[p]))) ++p;
      if (p >= src_.size())
        fail(tag, fmt::format("unterminated tag: no \"{}\" closes this \"{}\"", close, block ? "{%" : "{{"));
      if (depth == 0) {
        if ((src_[p] == '-' || src_[p] == '+') && src_.compare(p + 1, 2, close) == 0 && (block || src_[p] == '-')) {
          tokens_.push_back(Token{block ? TokenType::BlockEnd : TokenType::VariableEnd, "", 0, 0, line_of(p),
                                  column_of(p)});
          return block ? after_tag_end(p + 3, src_[p]) : (src_[p] == '-' ? after_tag_end(p + 3, '-') : p + 3);
        }
        if (src_.compare(p, 2, close) == 0) {
          tokens_.push_back(Token{block ? TokenType::BlockEnd : TokenType::VariableEnd, "", 0, 0, line_of(p),
                                  column_of(p)});
          return block ? after_tag_end(p + 2, '\0') : p + 2;
        }
      }
      p = expression_token(p, depth);
    }
  }

  std::size_t expression_token(std::size_t p, int& depth) {
    const char c = src_[p];
    Token token{TokenType::Operator, "", 0, 0, line_of(p), column_of(p)};
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t e = p;
      while (e < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
      token.type = TokenType::Name;
      token.text = src_.substr(p, e - p);
      tokens_.push_back(std::move(token));
      return e;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) return number(p, std::move(token));
    if (c == '\'' || c == '"') return string_literal(p, std::move(token));
    static const std::array<const char*, 8> two_char = {"//", "**", "==", "!=", ">=", "<=", "", ""};
    for (const char* op : two_char) {
      if (*op && src_.compare(p, 2, op) == 0) {
        token.text = op;
        tokens_.push_back(std::move(token));
        return p + 2;
      }
    }
    if (std::string_view("+-*/%~()[]{}.,:|<>=;!").find(c) == std::string_view::npos)
      fail(p, fmt::format("unexpected character '{}' in a tag", src_.substr(p, tp::utf8::sequence_length(c))));
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    token.text = std::string(1, c);
    tokens_.push_back(std::move(token));
    return p + 1;
  }

  std::size_t number(std::size_t p, Token token) {
    std::size_t e = p;
    const auto digits = [&] {
      while (e < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[e])) ||
                                 (src_[e] == '_' && e + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e + 1])))))
        ++e;
    };
    digits();
    bool is_float = false;
    if (e + 1 < src_.size() && src_[e] == '.' && std::isdigit(static_cast<unsigned char>(src_[e + 1]))) {
      ++e;
      digits();
      is_float = true;
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      std::size_t x = e + 1;
      if (x < src_.size() && (src_[x] == '+' || src_[x] == '-')) ++x;
      if (x < src_.size() && std::isdigit(static_cast<unsigned char>(src_[x]))) {
        e = x;
        digits();
        is_float = true;
      }
    }
    std::string text = src_.substr(p, e - p);
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    if (is_float) {
      token.type = TokenType::Float;
      token.real = *py::parse_float(text);
    } else {
      token.type = TokenType::Integer;
      try {
        token.integer = std::stoll(text);
      } catch (const std::out_of_range&) {
        fail(p, fmt::format("integer literal {} is too large", text));
      }
    }
    token.text = std::move(text);
    tokens_.push_back(std::move(token));
    return e;
  }

  // A quoted literal with Python's unicode-escape decoding (unknown escapes kept).
  std::size_t string_literal(std::size_t p, Token token) {
    const char quote = src_[p];
    std::string out;
    std::size_t e = p + 1;
    while (true) {
      if (e >= src_.size()) fail(p, "unterminated string literal");
      const char c = src_[e];
      if (c == quote) break;
      if (c != '\\' || e + 1 >= src_.size()) {
        out += c;
        ++e;
        continue;
      }
      const char n = src_[e + 1];
      e += 2;
      switch (n) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case 'a': out += '\a'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '\n': break;
        case 'x':
        case 'u':
        case 'U': {
          const std::size_t width = n == 'x' ? 2 : n == 'u' ? 4 : 8;
          if (e + width > src_.size() ||
              !std::all_of(src_.begin() + static_cast<long>(e), src_.begin() + static_cast<long>(e + width),
                           [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); }))
            fail(e - 2, fmt::format("truncated \\{} escape in a string literal", n));
          tp::utf8::append_code_point(out, static_cast<char32_t>(std::stoul(src_.substr(e, width), nullptr, 16)));
          e += width;
          break;
        }
        default:
          if (n >= '0' && n <= '7') {
            unsigned value = static_cast<unsigned>(n - '0');
            for (int i = 0; i < 2 && e < src_.size() && src_[e] >= '0' && src_[e] <= '7'; ++i, ++e)
              value = value * 8 + static_cast<unsigned>(src_[e] - '0');
            tp::utf8::append_code_point(out, value);
          } else {
            out += '\\';
            out += n;
          }
      }
    }
    token.type = TokenType::String;
    token.text = std::move(out);
    tokens_.push_back(std::move(token));
    return e + 1;
  }

  bool is_raw_open() const {
    return tokens_.size() == block_start_ + 2 && tokens_[block_start_].type == TokenType::Name &&
           tokens_[block_start_].text == "raw";
  }

  // The text up to {% endraw %}, which closes the raw block.
  std::size_t raw_body(std::size_t from, bool& line_starting) {
    tokens_.resize(block_start_ - 1);
    std::size_t search = from;
    while (true) {
      const std::size_t open = src_.find("{%", search);
      if (open == std::string::npos) fail(from, "unterminated raw block: no {% endraw %}");
      std::size_t q = open + 2;
      const char sign = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q] : '\0';
      if (sign) ++q;
      while (q < src_.size() && py::is_space(static_cast<unsigned char>(src_[q]))) ++q;
      if (src_.compare(q, 6, "endraw") != 0) {
        search = open + 2;
        continue;
      }
      q += 6;
      while (q < src_.size() && py::is_space(static_cast<unsigned char>(src_[q]))) ++q;
      const char end_sign = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q] : '\0';
      if (end_sign) ++q;
      if (src_.compare(q, 2, "%}") != 0) {
        search = open + 2;
        continue;
      }
      std::string text = src_.substr(from, open - from);
      if (sign == '-') text = rstrip_space(text);
      emit_text(std::move(text), from);
      const std::size_t after = after_tag_end(q + 2, end_sign);
      line_starting = after > 0 && src_[after - 1] == '\n';
      return after;
    }
  }

  std::uint32_t line_of(std::size_t offset) const {
    return static_cast<std::uint32_t>(std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) -
                                      line_starts_.begin());
  }

  std::uint32_t column_of(std::size_t offset) const {
    const std::size_t from = line_starts_[line_of(offset) - 1];
    return static_cast<std::uint32_t>(py::length(std::string_view(src_).substr(from, offset - from)) + 1);
  }

  [[noreturn]] void fail(std::size_t offset, const std::string& message) const {
    throw tp::Error(tp::Location{name_, line_of(offset), column_of(offset)}, message);
  }

  std::string src_;
  const std::string& name_;
  std::size_t pos_ = 0;
  std::size_t block_start_ = 0;
  std::vector<Token> tokens_;
  std::vector<std::size_t> line_starts_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& source, const std::string& template_name) {
  if (const std::size_t bad = utf8::find_invalid(source); bad != std::string::npos) {
    const std::string_view before(source.data(), bad);
    const auto line = static_cast<std::uint32_t>(std::count(before.begin(), before.end(), '\n') + 1);
    const std::size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
    throw tp::Error(tp::Location{template_name, line, static_cast<std::uint32_t>(bad - line_start + 1)},
                    fmt::format("the template is not valid UTF-8 (byte {} of the file): save it as UTF-8", bad));
  }
  return Lexer(normalize_newlines(source), template_name).run();
}

}  // namespace tp::jinja
