#include "json_array_scanner.hpp"

#include <fmt/format.h>

namespace tp {

namespace {

constexpr int eof = std::char_traits<char>::eof();

bool is_json_whitespace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string describe_char(int c) {
  if (c == eof) return "end of file";
  return fmt::format("'{}'", static_cast<char>(c));
}

}  // namespace

JsonArrayScanner::JsonArrayScanner(std::istream& in, std::string file) : in_(*in.rdbuf()), file_(std::move(file)) {
  // A UTF-8 byte order mark is not JSON, but editors write it.
  static constexpr char bom[] = "\xEF\xBB\xBF";
  for (int i = 0; i < 3; ++i) {
    if (in_.sgetc() != static_cast<unsigned char>(bom[i])) {
      if (i != 0) fail("malformed JSON: stray bytes at the start of the file");
      return;
    }
    in_.sbumpc();
  }
}

int JsonArrayScanner::peek() { return in_.sgetc(); }

int JsonArrayScanner::get() {
  const int c = in_.sbumpc();
  if (c == '\n') {
    ++line_;
    column_ = 1;
  } else if (c != eof) {
    ++column_;
  }
  return c;
}

Location JsonArrayScanner::here() const { return Location{file_, line_, column_}; }

void JsonArrayScanner::fail(const std::string& message) const { throw Error(here(), message); }

void JsonArrayScanner::skip_whitespace() {
  while (is_json_whitespace(peek())) get();
}

int JsonArrayScanner::require(const Location& start) {
  const int c = get();
  if (c == eof)
    fail(fmt::format("malformed JSON: the file ends inside the record that starts at line {}", start.line));
  return c;
}

bool JsonArrayScanner::next(std::string& text, Location& start) {
  if (state_ == State::Done) return false;
  skip_whitespace();
  if (state_ == State::Start) {
    if (peek() == eof) {
      state_ = State::Done;
      return false;
    }
    if (peek() != '[') fail(fmt::format("expected a JSON array of records ('['), found {}", describe_char(peek())));
    get();
    skip_whitespace();
    if (peek() == ']') return close();
    state_ = State::InArray;
  } else {
    if (peek() == ']') return close();
    if (peek() != ',')
      fail(fmt::format("malformed JSON: expected ',' or ']' after a record, found {}", describe_char(peek())));
    get();
    skip_whitespace();
    if (peek() == ']') fail("malformed JSON: expected a record after ',' (trailing comma)");
  }
  if (peek() == eof) fail("malformed JSON: the file ends inside the array of records");
  start = here();
  text.clear();
  read_element(text, start);
  return true;
}

bool JsonArrayScanner::close() {
  get();
  state_ = State::Done;
  skip_whitespace();
  if (peek() != eof) fail("malformed JSON: unexpected content after the closing ']'");
  return false;
}

// Reads one value without interpreting it: brackets are balanced, strings are
// skipped whole; the JSON parser judges the text afterwards.
void JsonArrayScanner::read_element(std::string& text, const Location& start) {
  const int first = peek();
  if (first == '{' || first == '[') {
    int depth = 0;
    do {
      const int c = require(start);
      if (c == '"') {
        text += '"';
        read_string(text, start);
        continue;
      }
      text += static_cast<char>(c);
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
    } while (depth > 0);
  } else if (first == '"') {
    text += static_cast<char>(get());
    read_string(text, start);
  } else {
    while (peek() != ',' && peek() != ']' && !is_json_whitespace(peek()) &&
           peek() != eof)
      text += static_cast<char>(get());
  }
}

// Called after the opening quote; appends up to and including the closing one.
void JsonArrayScanner::read_string(std::string& text, const Location& start) {
  for (;;) {
    const int c = require(start);
    text += static_cast<char>(c);
    if (c == '\\') {
      text += static_cast<char>(require(start));
    } else if (c == '"') {
      return;
    }
  }
}

}  // namespace tp
