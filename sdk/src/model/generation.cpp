#include "tunepipe/generation.hpp"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>

#include "tunepipe/error.hpp"

namespace tp {
namespace {

at::Device device_of(const CausalLM& model) {
  const auto weights = model.named_weights();
  return weights.empty() ? at::Device(at::kCPU) : weights.front().second.device();
}

// HF's repetition penalty over every token a row has seen so far.
void penalise_repeats(at::Tensor& logits, const std::vector<std::vector<std::int64_t>>& seen, double penalty) {
  for (std::size_t b = 0; b < seen.size(); ++b) {
    at::Tensor row = logits[static_cast<std::int64_t>(b)];
    std::vector<std::int64_t> distinct = seen[b];
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    const at::Tensor ids = at::tensor(distinct, at::kLong);
    const at::Tensor values = row.index_select(0, ids);
    row.index_copy_(0, ids, at::where(values < 0, values * penalty, values / penalty));
  }
}

at::Tensor sample(at::Tensor logits, const GenerationConfig& config, at::Generator& generator) {
  logits = logits / std::max(config.temperature, 1e-6);
  const std::int64_t vocab = logits.size(-1);
  if (config.top_k > 0 && config.top_k < vocab) {
    const at::Tensor kth = std::get<0>(logits.topk(config.top_k, -1)).narrow(-1, config.top_k - 1, 1);
    logits = logits.masked_fill(logits < kth, -std::numeric_limits<float>::infinity());
  }
  if (config.top_p < 1.0) {
    auto [sorted, order] = logits.sort(-1, /*descending=*/true);
    const at::Tensor cumulative = sorted.softmax(-1).cumsum(-1);
    // Keep the smallest prefix whose mass reaches top_p (the first token always).
    at::Tensor drop = (cumulative - sorted.softmax(-1)) >= config.top_p;
    sorted = sorted.masked_fill(drop, -std::numeric_limits<float>::infinity());
    logits = at::empty_like(logits).scatter_(-1, order, sorted);
  }
  return at::multinomial(logits.softmax(-1), 1, false, generator).squeeze(-1);
}

bool row_ends(const GenerationConfig& config, const std::vector<std::int64_t>& completion) {
  const auto& stops = config.stop_token_ids;
  if (std::find(stops.begin(), stops.end(), completion.back()) != stops.end()) return true;
  return config.should_stop && config.should_stop(completion);
}

}  // namespace

std::vector<std::vector<std::int64_t>> generate(const CausalLM& model,
                                                const std::vector<std::vector<std::int64_t>>& prompts,
                                                const GenerationConfig& config) {
  if (prompts.empty()) return {};
  for (const auto& prompt : prompts)
    if (prompt.empty()) throw Error("generate: every prompt needs at least one token");
  at::NoGradGuard no_grad;
  const at::Device device = device_of(model);
  const auto batch = static_cast<std::int64_t>(prompts.size());
  std::int64_t longest = 0;
  for (const auto& prompt : prompts) longest = std::max<std::int64_t>(longest, prompt.size());

  at::Tensor ids = at::full({batch, longest}, config.pad_token_id, at::kLong);
  at::Tensor mask = at::zeros({batch, longest}, at::kLong);
  for (std::int64_t b = 0; b < batch; ++b) {
    const auto n = static_cast<std::int64_t>(prompts[b].size());
    ids[b].narrow(0, longest - n, n).copy_(at::tensor(prompts[b], at::kLong));
    mask[b].narrow(0, longest - n, n).fill_(1);
  }
  ids = ids.to(device);
  mask = mask.to(device);

  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(config.seed);
  std::vector<std::vector<std::int64_t>> seen = prompts, outputs(prompts.size());
  std::vector<bool> finished(prompts.size(), false);
  KVCache cache;
  ForwardInput input;
  input.input_ids = ids;
  input.attention_mask = mask;
  input.cache = &cache;
  for (std::int64_t step = 0; step < config.max_new_tokens; ++step) {
    // Only the last position's logits are needed: the vocabulary projection of
    // the whole prompt would cost more than a third of the prefill.
    const at::Tensor last = model.hidden_states(input).narrow(1, -1, 1);
    at::Tensor logits = model.lm_head(last).select(1, 0).to(at::kFloat).to(at::kCPU);
    if (config.repetition_penalty != 1.0) penalise_repeats(logits, seen, config.repetition_penalty);
    const at::Tensor next = config.greedy ? logits.argmax(-1) : sample(logits, config, generator);
    bool all_done = true;
    for (std::int64_t b = 0; b < batch; ++b) {
      if (finished[b]) continue;
      const std::int64_t token = next[b].item<std::int64_t>();
      outputs[b].push_back(token);
      seen[b].push_back(token);
      finished[b] = row_ends(config, outputs[b]);
      all_done = all_done && finished[b];
    }
    if (all_done) break;
    mask = at::cat({mask, at::ones({batch, 1}, mask.options())}, 1);
    input.input_ids = next.view({batch, 1}).to(device);
    input.attention_mask = mask;
  }
  return outputs;
}

}  // namespace tp
