#pragma once
// The `perplexity` evaluator: how well the model (adapter on, or the base model
// for the baseline) predicts the trained tokens of a split, the tokens the
// trainer's loss is computed on. On several ranks each scores its share of
// the batches.
#include <cstdint>
#include <string>

#include "data_parallel.hpp"
#include "tunepipe/evaluator.hpp"
#include "tunepipe/options.hpp"

namespace tp::evaluators {

class PerplexityEvaluator : public EvaluatorStage {
 public:
  PerplexityEvaluator(const Options& options, const StageContext& context);
  static OptionSchema schema();

  std::string split() const override { return split_; }
  void evaluate(const EvaluationJob& job) override;

 private:
  std::string split_;
  std::int64_t limit_;
  std::int64_t batch_size_;
  std::int64_t chunk_rows_;
  EventEmitter* events_;
  DataParallel data_parallel_;
};

}  // namespace tp::evaluators
