#include "perplexity_evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/causal_lm_loss.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp::evaluators {

PerplexityEvaluator::PerplexityEvaluator(const Options& options, const StageContext& context)
    : split_(options.get_string("split")),
      limit_(options.get_int("limit")),
      batch_size_(options.get_int("batch_size")),
      chunk_rows_(options.get_int("loss_chunk_rows")),
      events_(context.events) {}

OptionSchema PerplexityEvaluator::schema() {
  OptionSchema schema;
  schema.add(string_option("split", "test", "the dataset split to score"));
  schema.add(int_option("limit", 0, "score at most the first N rows (0: all)").range(0, std::nullopt));
  schema.add(int_option("batch_size", 8, "rows per forward pass (right-padded)").range(1, std::nullopt));
  schema.add(int_option("loss_chunk_rows", 512,
                        "trained tokens whose vocabulary logits are computed at once (memory vs speed)"))
      .range(1, std::nullopt);
  return schema;
}

void PerplexityEvaluator::evaluate(const EvaluationJob& job) {
  const AdapterSwitch adapter_state(job.adapter.get(), !job.baseline);
  const std::shared_ptr<CausalLM> model = job.adapter ? job.adapter->model() : job.base;
  std::span<const TokenizedSample> samples(*job.samples);
  if (limit_ > 0) samples = samples.first(std::min<std::size_t>(samples.size(), static_cast<std::size_t>(limit_)));
  double sum = 0.0;
  std::int64_t tokens = 0;
  for (const BatchNll& batch : batch_nll(*model, samples, batch_size_, padding_id(*job.tokenizer), chunk_rows_)) {
    sum += batch.sum;
    tokens += batch.tokens;
  }
  if (tokens == 0)
    throw Error("the " + split_ + " split has no trained tokens to score: every label is -100 (check the template's "
                "train_on and max_length)");
  const double nll = sum / static_cast<double>(tokens);
  events_->emit(Event::scalar("evaluator", "eval/nll", nll, job.step));
  events_->emit(Event::scalar("evaluator", "eval/perplexity", std::exp(nll), job.step));
  events_->emit(Event::scalar("evaluator", "eval/perplexity_tokens", static_cast<double>(tokens), job.step));
}

}  // namespace tp::evaluators
