#include "tokenizer/tokenizer_json_parts.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tp {

SplitRegex read_pattern(const JsonNode& node) {
  const bool literal = node["String"].value().is_string();
  if (!literal && !node["Regex"].value().is_string()) {
    node.fail(fmt::format("expected {{\"String\": ...}} or {{\"Regex\": ...}}, not {}", node.value().dump()));
  }
  const std::string text = node.string_at(literal ? "String" : "Regex");
  try {
    return SplitRegex(text, literal);
  } catch (const std::invalid_argument& e) {
    node.fail(fmt::format("pattern \"{}\": {}", text, e.what()));
  }
}

PrependScheme read_prepend_scheme(const JsonNode& node) {
  if (!node.bool_at("add_prefix_space", true)) return PrependScheme::Never;
  const std::string scheme = node.optional_string_at("prepend_scheme").value_or("always");
  if (scheme == "first") return PrependScheme::First;
  if (scheme == "always") return PrependScheme::Always;
  if (scheme == "never") return PrependScheme::Never;
  node["prepend_scheme"].fail(fmt::format("\"{}\" is not one of first, always, never", scheme));
}

NormalizerChain read_normalizer(const JsonNode& node) {
  static constexpr const char* kSupported = "NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip, StripAccents, Sequence";
  NormalizerChain chain;
  for (const JsonNode& step : node.steps("normalizers")) {
    const std::string type = step.type();
    if (type == "NFC") chain.add(unicode_form_step(NormalizationForm::NFC));
    else if (type == "NFD") chain.add(unicode_form_step(NormalizationForm::NFD));
    else if (type == "NFKC") chain.add(unicode_form_step(NormalizationForm::NFKC));
    else if (type == "NFKD") chain.add(unicode_form_step(NormalizationForm::NFKD));
    else if (type == "Lowercase") chain.add(lowercase_step());
    else if (type == "Replace") chain.add(replace_step(read_pattern(step["pattern"]), step.string_at("content")));
    else if (type == "Prepend") chain.add(prepend_step(step.string_at("prepend")));
    else if (type == "Strip") chain.add(strip_step(step.bool_at("strip_left", true), step.bool_at("strip_right", true)));
    else if (type == "StripAccents") chain.add(strip_accents_step());
    else step.unsupported_type(type, kSupported);
  }
  return chain;
}

}  // namespace tp
