#pragma once
// Splits a JSON array read from a stream into the text of its elements, one
// at a time, remembering where each starts, so records of a large file can be
// parsed (and reported) one by one.
#include <cstdint>
#include <istream>
#include <string>

#include "tunepipe/error.hpp"

namespace tp {

class JsonArrayScanner {
 public:
  JsonArrayScanner(std::istream& in, std::string file);

  // Stores the next element's text and start; false once the array is closed
  // (or the file is empty). Throws tp::Error on broken structure.
  bool next(std::string& text, Location& start);

 private:
  enum class State { Start, InArray, Done };

  int peek();
  int get();
  void skip_whitespace();
  bool close();
  void read_element(std::string& text, const Location& start);
  void read_string(std::string& text, const Location& start);
  int require(const Location& start);
  [[noreturn]] void fail(const std::string& message) const;
  Location here() const;

  std::streambuf& in_;
  std::string file_;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
  State state_ = State::Start;
};

}  // namespace tp
