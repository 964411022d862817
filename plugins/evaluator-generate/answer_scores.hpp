#pragma once
// The scores of a set of answers to a split's rows, for the metrics a pipeline
// names: fed one answer at a time, read as (name, value) pairs.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "json_entities.hpp"
#include "tunepipe/conversation.hpp"

namespace tp::evaluators {

// The metric names `metrics = [...]` accepts.
const std::vector<std::string>& known_metrics();

class AnswerScores {
 public:
  // `options_field`: the record field with each row's options (choice metric).
  AnswerScores(std::vector<std::string> metrics, std::string options_field);

  // Scores `answer` to `row`, whose last assistant turn is `reference`.
  // Throws a tp::Error naming the row's source when the row cannot be scored
  // (no options field, a reference that is not entity JSON).
  void add(const Conversation& row, const std::string& reference, const std::string& answer);

  // In the order of the metrics: exact_match; choice_accuracy, choice_invalid;
  // json_precision, json_recall, json_f1, json_invalid; rouge_l; bleu4. Shares
  // and means are over the rows added; all 0 before any.
  std::vector<std::pair<std::string, double>> results() const;

 private:
  bool wants(const std::string& metric) const;

  std::vector<std::string> metrics_;
  std::string options_field_;
  std::int64_t rows_ = 0;
  std::int64_t exact_hits_ = 0;
  std::int64_t choice_hits_ = 0;
  std::int64_t choice_invalid_ = 0;
  EntityCounts entities_;
  std::int64_t json_invalid_ = 0;
  double rouge_l_sum_ = 0.0;
  double bleu4_sum_ = 0.0;
};

}  // namespace tp::evaluators
