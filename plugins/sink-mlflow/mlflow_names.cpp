#include "mlflow_names.hpp"

#include <vector>

namespace tp::mlflow {
namespace {

bool allowed_in_key(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == ':' || c == '/' || c == ' ';
}

bool continues_a_character(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string metric_key(std::string_view name) {
  std::string cleaned;
  for (const char c : name) {
    if (allowed_in_key(c))
      cleaned += c;
    else if (!continues_a_character(c))
      cleaned += '_';
  }
  // Cut first: mending the segments below never makes a key longer.
  if (cleaned.size() > kMaxKeyLength) cleaned.resize(kMaxKeyLength);
  std::string key;
  std::size_t start = 0;
  while (start <= cleaned.size()) {
    std::size_t end = cleaned.find('/', start);
    if (end == std::string::npos) end = cleaned.size();
    std::string segment = cleaned.substr(start, end - start);
    if (segment == "." || segment == "..") segment.assign(segment.size(), '_');
    if (!segment.empty()) key += (key.empty() ? "" : "/") + segment;
    start = end + 1;
  }
  return key.empty() ? "_" : key;
}

std::string truncate_characters(std::string_view text, std::size_t max_characters) {
  if (max_characters == 0) return {};
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (continues_a_character(text[i])) continue;
    if (characters == max_characters) {
      // Keep max_characters - 1 characters and the ellipsis.
      std::size_t cut = i;
      do --cut;
      while (cut > 0 && continues_a_character(text[cut]));
      return std::string(text.substr(0, cut)) + "…";
    }
    ++characters;
  }
  return std::string(text);
}

}  // namespace tp::mlflow
