#include "tunepipe/error.hpp"

#include <fmt/format.h>

namespace tp {

std::string Location::str() const {
  if (file.empty()) return {};
  if (line == 0) return file;
  if (column == 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Diagnostic::str() const {
  const std::string at = where.str();
  return at.empty() ? fmt::format("error: {}", message) : fmt::format("{}: error: {}", at, message);
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
