#pragma once
// The `generate` evaluator: answers each held-out prompt greedily with the
// model (adapter on, or the base model before training) and scores the
// answers; with `compare`, the base model's answers to the same prompts are
// scored and shown next to the adapted ones.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data_parallel.hpp"
#include "tunepipe/evaluator.hpp"
#include "tunepipe/options.hpp"

namespace tp::evaluators {

class GenerateEvaluator : public EvaluatorStage {
 public:
  GenerateEvaluator(const Options& options, const StageContext& context);
  static OptionSchema schema();
  static void validate(const Options& options, Diagnostics& errors);

  std::string split() const override { return split_; }
  void evaluate(const EvaluationJob& job) override;

 private:
  struct BaseAnswers {
    const std::vector<Conversation>* rows = nullptr;
    std::vector<std::string> answers;
  };

  // Greedy answers to the first `count` rows, with the adapter as it is
  // switched; on several ranks each answers its share of the batches and all
  // receive every answer.
  std::vector<std::string> answer(const EvaluationJob& job, const CausalLM& model, std::size_t count);
  // The base model's answers, generated once: the base weights are frozen and
  // decoding is greedy, so later evaluations reuse them.
  const std::vector<std::string>& base_answers(const EvaluationJob& job, std::size_t count);
  void report(const EvaluationJob& job, const std::vector<std::string>& answers, const std::string& prefix) const;

  std::string split_;
  std::int64_t limit_;
  std::int64_t batch_size_;
  std::int64_t max_new_tokens_;
  std::vector<std::string> metrics_;
  std::string options_field_;
  std::int64_t table_rows_;
  bool compare_;
  EventEmitter* events_;
  std::optional<BaseAnswers> base_;
  DataParallel data_parallel_;
};

}  // namespace tp::evaluators
