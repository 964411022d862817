#include "tokenizer/tokenizer_json_parts.hpp"

#include "tokenizer/utf8.hpp"

#include <fmt/format.h>

namespace tp {

namespace {

SplitBehavior read_behavior(const JsonNode& step, SplitBehavior fallback) {
  const auto name = step.optional_string_at("behavior");
  if (!name) return fallback;
  const auto behavior = split_behavior_named(*name);
  if (!behavior) step["behavior"].fail(fmt::format("\"{}\" is not one of {}", *name, kSplitBehaviorNames));
  return *behavior;
}

// The one character of `key` (Metaspace's replacement, CharDelimiterSplit's delimiter).
std::string single_character(const JsonNode& step, const char* key) {
  const std::string text = step.string_at(key);
  std::size_t pos = 0;
  if (!text.empty()) utf8::next_code_point(text, pos);
  if (text.empty() || pos != text.size()) step[key].fail(fmt::format("expected one character, not \"{}\"", text));
  return text;
}

}  // namespace

PreTokenizerSetup read_pre_tokenizer(const JsonNode& node) {
  static constexpr const char* kSupported =
      "Split, ByteLevel, Digits, Metaspace, Whitespace, WhitespaceSplit, Punctuation, CharDelimiterSplit, "
      "BertPreTokenizer, Sequence";
  PreTokenizerSetup setup;
  for (const JsonNode& step : node.steps("pretokenizers")) {
    const std::string type = step.type();
    if (setup.byte_level) {
      step.fail(fmt::format("\"{}\" after ByteLevel is not supported (ByteLevel must be the last pre-tokenizer)", type));
    }
    if (type == "Split") {
      setup.chain.add(pattern_split_step(read_pattern(step["pattern"]), read_behavior(step, SplitBehavior::Isolated),
                                         step.bool_at("invert", false)));
    } else if (type == "ByteLevel") {
      setup.byte_level = true;
      const bool prefix = step.bool_at("add_prefix_space", false), regex = step.bool_at("use_regex", true);
      if (prefix || regex) setup.chain.add(byte_level_split_step(prefix, regex));
    } else if (type == "Digits") {
      setup.chain.add(digits_step(step.bool_at("individual_digits", false)));
    } else if (type == "Metaspace") {
      setup.chain.add(metaspace_step(single_character(step, "replacement"), read_prepend_scheme(step),
                                     step.bool_at("split", true)));
    } else if (type == "Whitespace") {
      setup.chain.add(whitespace_step());
    } else if (type == "WhitespaceSplit") {
      setup.chain.add(whitespace_split_step());
    } else if (type == "Punctuation") {
      setup.chain.add(punctuation_step(read_behavior(step, SplitBehavior::Isolated)));
    } else if (type == "CharDelimiterSplit") {
      const std::string delimiter = single_character(step, "delimiter");
      std::size_t pos = 0;
      setup.chain.add(char_delimiter_step(utf8::next_code_point(delimiter, pos)));
    } else if (type == "BertPreTokenizer") {
      setup.chain.add(bert_step());
    } else {
      step.unsupported_type(type, kSupported);
    }
  }
  return setup;
}

}  // namespace tp
