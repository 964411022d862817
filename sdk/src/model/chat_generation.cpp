#include "tunepipe/chat_generation.hpp"

#include <algorithm>

namespace tp {

std::vector<std::int64_t> stop_token_ids(const DecoderConfig& model, const Tokenizer& tokenizer,
                                         const TemplateStage* chat_template) {
  std::vector<std::int64_t> stops = model.eos_token_ids;
  auto add = [&](std::optional<std::int32_t> id) {
    if (id && std::find(stops.begin(), stops.end(), *id) == stops.end()) stops.push_back(*id);
  };
  add(tokenizer.special_tokens().eos);
  if (chat_template)
    for (const std::string& stop : chat_template->stop_strings()) add(tokenizer.token_to_id(stop));
  return stops;
}

std::vector<std::int64_t> prompt_ids(const TemplateStage& chat_template, const Tokenizer& tokenizer,
                                     const Conversation& conversation) {
  const auto segments = chat_template.render_prompt(conversation);
  const auto ids = tokenize_segments(tokenizer, segments, 0, TruncationSide::Right).input_ids;
  return {ids.begin(), ids.end()};
}

std::size_t first_stop_string(const std::string& text, const std::vector<std::string>& strings) {
  std::size_t first = std::string::npos;
  for (const std::string& stop : strings) first = std::min(first, text.find(stop));
  return first;
}

std::string answer_text(const Tokenizer& tokenizer, std::vector<std::int64_t> completion,
                        const std::vector<std::int64_t>& stops, const std::vector<std::string>& stop_strings) {
  if (!completion.empty() && std::find(stops.begin(), stops.end(), completion.back()) != stops.end())
    completion.pop_back();
  const std::vector<std::int32_t> ids(completion.begin(), completion.end());
  std::string text = tokenizer.decode(ids, true);
  const std::size_t stop = first_stop_string(text, stop_strings);
  if (stop != std::string::npos) text.resize(stop);
  return text;
}

}  // namespace tp
