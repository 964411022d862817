#include "tokenizer/json_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace tp {

void fail_in_file(const std::filesystem::path& path, const std::string& message) {
  throw Error(Location{path.string()}, message);
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_in_file(path, "cannot open the file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = std::move(buffer).str();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    Location where{path.string(), 1, 1};
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++where.line;
        where.column = 1;
      } else {
        ++where.column;
      }
    }
    std::string what = e.what();
    if (const auto colon = what.find("error: "); colon != std::string::npos) what = what.substr(colon + 7);
    throw Error(where, fmt::format("malformed JSON: {}", what));
  }
}

}  // namespace tp
