#pragma once
// Text generation with a KV cache: greedy or sampled, batched with left padding.
#include <cstdint>
#include <functional>
#include <vector>

#include "tunepipe/causal_lm.hpp"

namespace tp {

struct GenerationConfig {
  std::int64_t max_new_tokens = 128;
  bool greedy = true;              // false: sample with the settings below
  double temperature = 1.0;
  std::int64_t top_k = 0;          // 0: no limit
  double top_p = 1.0;              // nucleus share kept
  double repetition_penalty = 1.0; // HF's: divides positive logits (multiplies negative) of seen tokens
  std::uint64_t seed = 0;
  std::vector<std::int64_t> stop_token_ids;  // generation of a row ends after one of these
  // Also ends a row when true for its completion so far, the newest token
  // included (e.g. once the decoded text holds a stop string). Empty: unused.
  std::function<bool(const std::vector<std::int64_t>& completion)> should_stop;
  std::int64_t pad_token_id = 0;             // fills the left padding of shorter prompts
};

// One continuation per prompt (the token that stopped it, when one did, included).
// Prompts of different lengths are left-padded into one batch.
std::vector<std::vector<std::int64_t>> generate(const CausalLM& model,
                                                const std::vector<std::vector<std::int64_t>>& prompts,
                                                const GenerationConfig& config);

}  // namespace tp
