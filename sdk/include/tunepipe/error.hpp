#pragma once
// Errors are part of the interface: every one names where the problem is
// (file, line, column when known) and what to change.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tp {

struct Location {
  std::string file;
  std::uint32_t line = 0;    // 1-based; 0 when unknown
  std::uint32_t column = 0;  // 1-based; 0 when unknown

  bool known() const { return !file.empty(); }
  // "file:line:col", "file:line" or "file" depending on what is known.
  std::string str() const;
};

struct Diagnostic {
  Location where;
  std::string message;
  // "file:line:col: error: message", the form compilers and editors understand.
  std::string str() const;
};

// A single failure with an actionable message; what() is the diagnostic line.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : Error(Location{}, message) {}
  Error(const Location& where, const std::string& message)
      : std::runtime_error(Diagnostic{where, message}.str()), where_(where), message_(message) {}
  const Location& where() const { return where_; }
  const std::string& message() const { return message_; }

 protected:
  struct PreformattedTag {};
  Error(PreformattedTag, const std::string& text) : std::runtime_error(text), message_(text) {}

 private:
  Location where_;
  std::string message_;
};

// Validation collects every problem of a phase before stopping.
class Diagnostics {
 public:
  void error(Location where, std::string message);
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  void append(const Diagnostics& other);
  // Throws ValidationError holding all collected diagnostics, if any.
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> items_;
};

class ValidationError : public Error {
 public:
  explicit ValidationError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace tp
