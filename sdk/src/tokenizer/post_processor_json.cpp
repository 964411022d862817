#include "tokenizer/tokenizer_json_parts.hpp"

#include <fmt/format.h>

namespace tp {

namespace {

std::vector<std::int32_t> ids_of(const JsonNode& ids) {
  if (!ids.value().is_array()) ids.fail("expected an array of token ids");
  std::vector<std::int32_t> out;
  for (const auto& id : ids.value()) {
    if (!id.is_number_unsigned()) ids.fail(fmt::format("expected token ids, not {}", id.dump()));
    out.push_back(id.get<std::int32_t>());
  }
  return out;
}

PostProcessorTokens read_template(const JsonNode& step) {
  PostProcessorTokens tokens;
  const JsonNode single = step["single"];
  if (!single.value().is_array()) single.fail("expected an array of template items");
  const JsonNode special_tokens = step["special_tokens"];
  bool sequence_seen = false;
  for (std::size_t i = 0; i < single.value().size(); ++i) {
    const auto& value = single.value()[i];
    const std::string where = fmt::format("{}[{}]", single.path(), i);
    if (value.contains("Sequence")) {
      if (value["Sequence"].value("id", "") != "A" || sequence_seen) {
        single.fail(fmt::format("item {}: a single-sequence template holds $A once, not {}", i, value.dump()));
      }
      sequence_seen = true;
    } else if (value.contains("SpecialToken") && value["SpecialToken"].contains("id")) {
      const std::string name = value["SpecialToken"]["id"].get<std::string>();
      const JsonNode entry = special_tokens[name.c_str()];
      if (entry.is_null()) special_tokens.fail(fmt::format("no entry for \"{}\", which {} uses", name, where));
      const std::vector<std::int32_t> ids = ids_of(entry["ids"]);
      auto& side = sequence_seen ? tokens.suffix : tokens.prefix;
      side.insert(side.end(), ids.begin(), ids.end());
    } else {
      single.fail(fmt::format("item {}: expected {{\"Sequence\": ...}} or {{\"SpecialToken\": ...}}, not {}", i, value.dump()));
    }
  }
  if (!sequence_seen) single.fail("the template has no $A");
  return tokens;
}

// RobertaProcessing and BertProcessing: cls $A sep, each given as [token, id].
PostProcessorTokens read_cls_sep(const JsonNode& step) {
  const auto id_of = [&](const char* key) {
    const JsonNode pair = step[key];
    if (!pair.value().is_array() || pair.value().size() != 2 || !pair.value()[1].is_number_unsigned()) {
      pair.fail(fmt::format("expected [token, id], not {}", pair.value().dump()));
    }
    return pair.value()[1].get<std::int32_t>();
  };
  return {{id_of("cls")}, {id_of("sep")}};
}

}  // namespace

PostProcessorTokens read_post_processor(const JsonNode& node) {
  static constexpr const char* kSupported = "TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence";
  PostProcessorTokens tokens;
  for (const JsonNode& step : node.steps("processors")) {
    const std::string type = step.type();
    PostProcessorTokens added;
    if (type == "TemplateProcessing") added = read_template(step);
    else if (type == "RobertaProcessing" || type == "BertProcessing") added = read_cls_sep(step);
    else if (type != "ByteLevel") step.unsupported_type(type, kSupported);
    // A later processor wraps what the earlier ones made.
    added.prefix.insert(added.prefix.end(), tokens.prefix.begin(), tokens.prefix.end());
    tokens.suffix.insert(tokens.suffix.end(), added.suffix.begin(), added.suffix.end());
    tokens.prefix = std::move(added.prefix);
  }
  return tokens;
}

}  // namespace tp
