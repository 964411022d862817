#pragma once
// The `generate` evaluator: answers each held-out prompt greedily with the
// model (adapter on, or the base model before training) and scores the answers.
#include <cstdint>
#include <string>
#include <vector>

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
  std::string split_;
  std::int64_t limit_;
  std::int64_t batch_size_;
  std::int64_t max_new_tokens_;
  std::vector<std::string> metrics_;
  std::string options_field_;
  std::int64_t table_rows_;
  EventEmitter* events_;
};

}  // namespace tp::evaluators
