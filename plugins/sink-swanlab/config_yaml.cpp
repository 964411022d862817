#include "config_yaml.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string_view>

namespace tp::sinks::swanlab {
namespace {

// The code point whose (well-formed) UTF-8 encoding starts at text[i]; advances i past it.
char32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const int length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  char32_t point = length == 1 ? lead : lead & (0x7F >> length);
  for (int k = 1; k < length; ++k) point = point << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  i += length;
  return point;
}

// What JSON leaves as it is but a YAML reader refuses (DEL, C1 controls,
// U+FFFE, U+FFFF) or reads as a line break (NEL, U+2028, U+2029).
bool refused_by_yaml(char32_t point) {
  return (point >= 0x7F && point <= 0x9F) || point == 0x2028 || point == 0x2029 || point == 0xFFFE || point == 0xFFFF;
}

std::string double_quoted(std::string_view text) {
  // JSON's escapes of quotes, backslashes and C0 controls, and U+FFFD for bytes that are not UTF-8.
  const std::string json = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  for (std::size_t i = 0; i < json.size();) {
    const std::size_t start = i;
    const char32_t point = next_code_point(json, i);
    if (refused_by_yaml(point)) out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(point));
    else out.append(json, start, i - start);
  }
  return out;
}

std::string float_text(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  char buffer[32];
  std::string text(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);  // shortest round trip
  const auto exponent = text.find('e');  // to_chars writes "e-05", "e+20": signed, as YAML 1.1 wants
  if (text.find('.') == std::string::npos) text.insert(exponent == std::string::npos ? text.size() : exponent, ".0");
  return text;
}

std::string flow(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer: return std::to_string(value.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: return std::to_string(value.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: return float_text(value.get<double>());
    case nlohmann::json::value_t::string: return double_quoted(value.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < value.size(); ++i) out += (i ? ", " : "") + flow(value[i]);
      return out + "]";
    }
    case nlohmann::json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        out += (first ? "" : ", ") + double_quoted(key) + ": " + flow(item);
        first = false;
      }
      return out + "}";
    }
    default: return "null";  // binary and discarded values, which no option holds
  }
}

}  // namespace

std::string config_yaml(const std::vector<ConfigEntry>& entries) {
  if (entries.empty()) return "{}\n";
  std::string out = "{\n";
  for (std::size_t i = 0; i < entries.size(); ++i)
    out += fmt::format("  {}: {{\"desc\": \"\", \"sort\": {}, \"value\": {}}}{}\n", double_quoted(entries[i].key), i,
                       flow(entries[i].value), i + 1 < entries.size() ? "," : "");
  return out + "}\n";
}

}  // namespace tp::sinks::swanlab
