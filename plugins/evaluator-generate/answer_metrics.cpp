#include "answer_metrics.hpp"

#include <nlohmann/json.hpp>

#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::evaluators {

std::string trimmed(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  const std::size_t begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  return std::string(text.substr(begin, text.find_last_not_of(space) - begin + 1));
}

bool exact_match(std::string_view prediction, std::string_view reference) {
  return trimmed(prediction) == trimmed(reference);
}

std::optional<std::string> chosen_option(std::string_view prediction, const std::vector<std::string>& options) {
  const std::string answer = trimmed(prediction);
  for (const std::string& option : options)
    if (trimmed(option) == answer) return option;
  return std::nullopt;
}

std::vector<std::string> parse_options(const std::string& field_value, const std::string& where) {
  const std::optional<nlohmann::json> parsed = try_parse_json(field_value);
  if (!parsed || !parsed->is_array())
    throw Error(Location{where}, "the options field must be a JSON array of strings, such as [\"体育\", \"财经\"]");
  std::vector<std::string> options;
  for (const auto& item : *parsed) {
    if (!item.is_string())
      throw Error(Location{where}, "the options field must be a JSON array of strings, such as [\"体育\", \"财经\"]");
    options.push_back(item.get<std::string>());
  }
  return options;
}

}  // namespace tp::evaluators
