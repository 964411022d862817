#include "perplexity_evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/causal_lm_loss.hpp"
#include "tunepipe/option_key.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp::evaluators {
namespace {

const auto kSplit = string_key("split", "test", "the dataset split to score");
const auto kLimit = int_key("limit", 0, "score at most the first N rows (0: all)").range(0, std::nullopt);
const auto kBatchSize = int_key("batch_size", 8, "rows per forward pass (right-padded)").range(1, std::nullopt);
const auto kLossChunkRows =
    int_key("loss_chunk_rows", 512, "trained tokens whose vocabulary logits are computed at once (memory vs speed)")
        .range(1, std::nullopt);

}  // namespace

PerplexityEvaluator::PerplexityEvaluator(const Options& options, const StageContext& context)
    : split_(kSplit.read(options)),
      limit_(kLimit.read(options)),
      batch_size_(kBatchSize.read(options)),
      chunk_rows_(kLossChunkRows.read(options)),
      events_(context.events),
      data_parallel_(context.ranks, DataParallel::kDefaultTimeout, "evaluator") {}

OptionSchema PerplexityEvaluator::schema() { return schema_of(kSplit, kLimit, kBatchSize, kLossChunkRows); }

void PerplexityEvaluator::evaluate(const EvaluationJob& job) {
  const AdapterSwitch adapter_state(job.adapter.get(), !job.baseline);
  const std::shared_ptr<CausalLM> model = job.adapter ? job.adapter->model() : job.base;
  std::span<const TokenizedSample> samples(*job.samples);
  if (limit_ > 0) samples = samples.first(std::min<std::size_t>(samples.size(), static_cast<std::size_t>(limit_)));
  double nll_sum = 0.0;
  double trained = 0.0;
  for (std::size_t first = 0; first < samples.size(); first += static_cast<std::size_t>(batch_size_)) {
    if (!data_parallel_.ranks().takes(static_cast<std::int64_t>(first) / batch_size_)) continue;
    const auto batch = samples.subspan(first, std::min(samples.size() - first, static_cast<std::size_t>(batch_size_)));
    for (const BatchNll& nll : batch_nll(*model, batch, batch_size_, padding_id(*job.tokenizer), chunk_rows_)) {
      nll_sum += nll.sum;
      trained += static_cast<double>(nll.tokens);
    }
  }
  const std::vector<double> sums = data_parallel_.sum({nll_sum, trained});
  const double sum = sums[0];
  const auto tokens = static_cast<std::int64_t>(sums[1]);
  if (tokens == 0)
    throw Error("the " + split_ + " split has no trained tokens to score: every label is -100 (check the template's "
                "train_on and max_length)");
  const double nll = sum / static_cast<double>(tokens);
  events_->emit(Event::scalar("evaluator", "eval/nll", nll, job.step));
  events_->emit(Event::scalar("evaluator", "eval/perplexity", std::exp(nll), job.step));
  events_->emit(Event::scalar("evaluator", "eval/perplexity_tokens", static_cast<double>(tokens), job.step));
}

}  // namespace tp::evaluators
