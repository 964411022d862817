#include "tunepipe/json_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace tp {

namespace {

struct TooDeep {};

// The first byte outside strings where `stop(byte, arrays and objects open
// before it)` holds; the text's size when there is none. Only error paths scan:
// the parser has accepted the text up to the place they look for.
template <class Stop>
std::size_t scan_outside_strings(std::string_view text, Stop stop) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (stop(i, depth)) return i;
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') ++depth;
    else if (c == ']' || c == '}') --depth;
  }
  return text.size();
}

std::size_t too_deep_offset(std::string_view text) {
  return scan_outside_strings(text, [&](std::size_t i, int depth) {
    return (text[i] == '[' || text[i] == '{') && depth == kMaxJsonDepth;
  });
}

// nlohmann names the number it could not hold ("number overflow parsing
// '1e999'") but not where it is: the first token outside strings spelled so.
std::size_t overflow_offset(std::string_view text, std::string_view message) {
  const auto open = message.find('\'');
  const auto close = message.rfind('\'');
  if (open == std::string_view::npos || close <= open) return 0;
  const std::string_view number = message.substr(open + 1, close - open - 1);
  return scan_outside_strings(text, [&](std::size_t i, int) {
    return text.substr(i, number.size()) == number &&
           (i == 0 || std::string_view(" \t\r\n[{,:").find(text[i - 1]) != std::string_view::npos);
  });
}

// nlohmann's message without "[json.exception.parse_error.101] parse error at line 1, column 5: ".
std::string reason(const nlohmann::json::exception& error) {
  std::string_view message = error.what();
  if (const auto id_end = message.find("] "); message.starts_with("[") && id_end != std::string_view::npos)
    message.remove_prefix(id_end + 2);
  if (message.starts_with("parse error"))
    if (const auto colon = message.find(": "); colon != std::string_view::npos) message.remove_prefix(colon + 2);
  return std::string(message);
}

Location location_in(std::string_view text, std::size_t offset, const Location& start) {
  const std::string_view before = text.substr(0, std::min(offset, text.size()));
  const auto newlines = static_cast<std::uint32_t>(std::count(before.begin(), before.end(), '\n'));
  Location at = start;
  if (newlines == 0) {
    at.column = start.column + static_cast<std::uint32_t>(before.size());
  } else {
    at.line += newlines;
    at.column = static_cast<std::uint32_t>(before.size() - before.rfind('\n'));
  }
  return at;
}

template <class Json>
typename Json::parser_callback_t depth_bound() {
  return [](int depth, nlohmann::json::parse_event_t event, Json&) {
    if (opens_too_deep(depth, event)) throw TooDeep{};
    return true;
  };
}

template <class Json>
Json parse_bounded(std::string_view text, const Location& start) {
  try {
    return Json::parse(text.begin(), text.end(), depth_bound<Json>());
  } catch (const TooDeep&) {
    throw Error(location_in(text, too_deep_offset(text), start),
                fmt::format("JSON nested deeper than {} levels of arrays and objects (the most tunepipe reads)",
                            kMaxJsonDepth));
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts from 1 and may point one past the end.
    throw Error(location_in(text, e.byte == 0 ? 0 : e.byte - 1, start), "malformed JSON: " + reason(e));
  } catch (const nlohmann::json::out_of_range& e) {
    throw Error(location_in(text, overflow_offset(text, e.what()), start),
                fmt::format("malformed JSON: {} (too large for a double)", reason(e)));
  }
}

}  // namespace

bool opens_too_deep(int depth, nlohmann::json::parse_event_t event) {
  return depth >= kMaxJsonDepth &&
         (event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start);
}

nlohmann::json parse_json(std::string_view text, const Location& start) {
  return parse_bounded<nlohmann::json>(text, start);
}

nlohmann::ordered_json parse_ordered_json(std::string_view text, const Location& start) {
  return parse_bounded<nlohmann::ordered_json>(text, start);
}

std::optional<nlohmann::json> try_parse_json(std::string_view text) {
  try {
    return nlohmann::json::parse(text.begin(), text.end(), depth_bound<nlohmann::json>());
  } catch (const TooDeep&) {
    return std::nullopt;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Location{path.string()}, fmt::format("cannot open the file: {}", std::strerror(errno)));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_json(std::move(buffer).str(), Location{path.string(), 1, 1});
}

}  // namespace tp
