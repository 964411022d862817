#pragma once
// The data half of a run: records -> conversations -> token ids with labels,
// written per split, with the statistics a user checks before training.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tunepipe/dataset.hpp"
#include "tunepipe/sample.hpp"
#include "tunepipe/template.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp::core {

struct SplitSummary {
  std::string split;
  std::size_t rows = 0;
  std::size_t tokens = 0;
  std::size_t trained_tokens = 0;
  std::size_t truncated_rows = 0;
  std::size_t longest = 0;
  double masked_share() const { return tokens ? 1.0 - double(trained_tokens) / double(tokens) : 0.0; }
  double mean_length() const { return rows ? double(tokens) / double(rows) : 0.0; }
};

struct PreparationStages {
  DatasetStage& dataset;
  const TemplateStage& chat_template;
  const Tokenizer& tokenizer;
  std::string dataset_label;   // for messages: "[dataset] jsonl"
  std::string template_label;  // "[template] chatml"
};

// Streams one split, calling visit for each (conversation, sample) pair.
SplitSummary for_each_sample(const PreparationStages& stages, const std::string& split,
                             const std::function<void(const Conversation&, const TokenizedSample&)>& visit);

// A split as the later stages use it: its conversations (for evaluators) and
// samples (for the trainer), row for row.
struct PreparedSplit {
  SplitSummary summary;
  std::vector<Conversation> conversations;
  std::vector<TokenizedSample> samples;
};

// The same in memory alone (the ranks of a data-parallel run other than rank 0).
PreparedSplit prepare_split(const PreparationStages& stages, const std::string& split);

// Writes <dir>/conversations/<split>.jsonl and <dir>/tokenized/<split>.jsonl.
PreparedSplit write_split(const PreparationStages& stages, const std::string& split, const std::filesystem::path& dir);

}  // namespace tp::core
