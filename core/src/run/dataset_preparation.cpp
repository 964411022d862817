#include "run/dataset_preparation.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "plugins/plugin_call.hpp"
#include "tunepipe/atomic_file.hpp"
#include "util/conversation_json.hpp"

namespace tp::core {

SplitSummary for_each_sample(const PreparationStages& stages, const std::string& split,
                             const std::function<void(const Conversation&, const TokenizedSample&)>& visit) {
  SplitSummary summary;
  summary.split = split;
  auto on_conversation = [&](Conversation&& conversation) {
    const TokenizedSample sample = call_plugin("template", stages.template_label, [&] {
      return stages.chat_template.tokenize(conversation, stages.tokenizer);
    });
    ++summary.rows;
    summary.tokens += sample.input_ids.size();
    for (std::int32_t label : sample.labels) summary.trained_tokens += label != kIgnoreLabel;
    summary.truncated_rows += sample.truncated;
    summary.longest = std::max(summary.longest, sample.input_ids.size());
    visit(conversation, sample);
  };
  call_plugin("dataset", stages.dataset_label, [&] { stages.dataset.read(split, on_conversation); });
  if (summary.rows == 0)
    throw Error(fmt::format("[dataset] {}: split \"{}\" has no records — check the file and the limit option",
                            stages.dataset_label, split));
  return summary;
}

PreparedSplit prepare_split(const PreparationStages& stages, const std::string& split) {
  PreparedSplit prepared;
  prepared.summary = for_each_sample(stages, split, [&](const Conversation& c, const TokenizedSample& s) {
    prepared.conversations.push_back(c);
    prepared.samples.push_back(s);
  });
  return prepared;
}

PreparedSplit write_split(const PreparationStages& stages, const std::string& split, const std::filesystem::path& dir) {
  AtomicFile conversations(dir / "conversations" / (split + ".jsonl"));
  AtomicFile tokenized(dir / "tokenized" / (split + ".jsonl"));
  PreparedSplit prepared;
  prepared.summary = for_each_sample(stages, split, [&](const Conversation& c, const TokenizedSample& s) {
    conversations.stream() << to_json(c).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                           << '\n';
    const nlohmann::json row = {{"input_ids", s.input_ids}, {"labels", s.labels}, {"source", s.source}};
    tokenized.stream() << row.dump() << '\n';
    prepared.conversations.push_back(c);
    prepared.samples.push_back(s);
  });
  conversations.commit();
  tokenized.commit();
  return prepared;
}

}  // namespace tp::core
