#include "util/token_ids.hpp"

#include <fmt/format.h>

#include <charconv>

namespace tp::core {

std::vector<std::int64_t> parse_token_ids(std::string_view line, const Location& where) {
  std::vector<std::int64_t> ids;
  std::size_t position = 0;
  while (true) {
    position = line.find_first_not_of(" \t\r", position);
    if (position == std::string_view::npos) break;
    const std::size_t end = std::min(line.find_first_of(" \t\r", position), line.size());
    const std::string_view word = line.substr(position, end - position);
    std::int64_t id = 0;
    const auto [stop, error] = std::from_chars(word.data(), word.data() + word.size(), id);
    if (error != std::errc() || stop != word.data() + word.size())
      throw Error(where, fmt::format("\"{}\" is not a token id", word));
    ids.push_back(id);
    position = end;
  }
  return ids;
}

}  // namespace tp::core
