#include "config_values.hpp"

#include <optional>
#include <string>
#include <toml++/toml.h>

#include "tunepipe/toml_text.hpp"

namespace tp::sinks::swanlab {
namespace {

// Dates and times, which no option holds, have no YAML/JSON counterpart here: nullopt.
std::optional<nlohmann::json> to_json(const toml::node& node) {
  if (const auto* text = node.as_string()) return nlohmann::json(text->get());
  if (const auto* integer = node.as_integer()) return nlohmann::json(integer->get());
  if (const auto* number = node.as_floating_point()) return nlohmann::json(number->get());
  if (const auto* flag = node.as_boolean()) return nlohmann::json(flag->get());
  if (const auto* array = node.as_array()) {
    nlohmann::json items = nlohmann::json::array();
    for (const toml::node& item : *array) {
      auto value = to_json(item);
      if (!value) return std::nullopt;
      items.push_back(std::move(*value));
    }
    return items;
  }
  if (const auto* table = node.as_table()) {
    nlohmann::json entries = nlohmann::json::object();
    for (const auto& [key, item] : *table) {
      auto value = to_json(item);
      if (!value) return std::nullopt;
      entries[std::string(key.str())] = std::move(*value);
    }
    return entries;
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json config_value(std::string_view text) {
  // Text with non-ASCII outside quotes is no TOML value (and is kept from toml++): plain text.
  if (!non_ascii_outside_toml_strings(text)) {
    try {
      const toml::table document = toml::parse(std::string("value = ").append(text));
      if (document.size() == 1)
        if (const toml::node* node = document.get("value"))
          if (auto value = to_json(*node)) return std::move(*value);
    } catch (const toml::parse_error&) {
      // not a TOML value: plain text
    }
  }
  return nlohmann::json(text);
}

}  // namespace tp::sinks::swanlab
