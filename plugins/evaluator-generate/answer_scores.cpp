#include "answer_scores.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "answer_metrics.hpp"
#include "text_overlap.hpp"
#include "text_tokens.hpp"
#include "tunepipe/error.hpp"

namespace tp::evaluators {

const std::vector<std::string>& known_metrics() {
  static const std::vector<std::string> names = {"exact_match", "choice", "json_f1", "rouge_l", "bleu4"};
  return names;
}

AnswerScores::AnswerScores(std::vector<std::string> metrics, std::string options_field)
    : metrics_(std::move(metrics)), options_field_(std::move(options_field)) {}

bool AnswerScores::wants(const std::string& metric) const {
  return std::find(metrics_.begin(), metrics_.end(), metric) != metrics_.end();
}

void AnswerScores::add(const Conversation& row, const std::string& reference, const std::string& answer) {
  ++rows_;
  if (wants("exact_match")) exact_hits_ += exact_match(answer, reference);
  if (wants("choice")) {
    const auto field = row.fields.find(options_field_);
    if (field == row.fields.end())
      throw Error(Location{row.source}, fmt::format("options_field \"{}\" is not in the record", options_field_));
    const auto chosen = chosen_option(answer, parse_options(field->second, row.source));
    choice_invalid_ += !chosen;
    choice_hits_ += chosen && exact_match(*chosen, reference);
  }
  if (wants("json_f1")) {
    const std::set<Entity> gold = reference_entities(reference, row.source);
    const auto predicted = parse_entities(answer);
    json_invalid_ += !predicted;
    entities_.add(predicted, gold);
  }
  if (wants("rouge_l") || wants("bleu4")) {
    const Tokens predicted = overlap_tokens(answer);
    const Tokens referenced = overlap_tokens(reference);
    if (wants("rouge_l")) rouge_l_sum_ += rouge_l(predicted, referenced);
    if (wants("bleu4")) bleu4_sum_ += bleu4(predicted, referenced);
  }
}

std::vector<std::pair<std::string, double>> AnswerScores::results() const {
  const double rows = static_cast<double>(std::max<std::int64_t>(rows_, 1));
  std::vector<std::pair<std::string, double>> results;
  for (const std::string& metric : metrics_) {
    if (metric == "exact_match") results.emplace_back("exact_match", exact_hits_ / rows);
    if (metric == "choice") {
      results.emplace_back("choice_accuracy", choice_hits_ / rows);
      results.emplace_back("choice_invalid", choice_invalid_ / rows);
    }
    if (metric == "json_f1") {
      results.emplace_back("json_precision", entities_.precision());
      results.emplace_back("json_recall", entities_.recall());
      results.emplace_back("json_f1", entities_.f1());
      results.emplace_back("json_invalid", json_invalid_ / rows);
    }
    if (metric == "rouge_l") results.emplace_back("rouge_l", rouge_l_sum_ / rows);
    if (metric == "bleu4") results.emplace_back("bleu4", bleu4_sum_ / rows);
  }
  return results;
}

}  // namespace tp::evaluators
