#pragma once
// Scores of one generated answer against its reference.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tp::evaluators {

// The answer with surrounding whitespace removed.
std::string trimmed(std::string_view text);

// Exact match after trimming both sides.
bool exact_match(std::string_view prediction, std::string_view reference);

// The option the prediction names, when it is exactly one of them (after
// trimming); nothing when the answer is not one of the row's options.
std::optional<std::string> chosen_option(std::string_view prediction, const std::vector<std::string>& options);

// The options of a row from its record field: a JSON array of strings, as
// seed 000's "category" field holds them.
std::vector<std::string> parse_options(const std::string& field_value, const std::string& where);

}  // namespace tp::evaluators
