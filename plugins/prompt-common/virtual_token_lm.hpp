#pragma once
// A base model with a prompt adapter's virtual tokens in front of every
// sequence, as peft's PeftModelForCausalLM computes it:
//
// - InputEmbeddings (prompt-tuning, p-tuning): a fresh forward (no cache, or
//   an empty one) prepends the virtual tokens to the input embeddings and ones
//   to the attention mask; the real tokens' positions start after them, and
//   only the real tokens' hidden states come back. A cached step (the cache
//   already holds the virtual tokens) only extends the mask by them.
// - LayerPrefix (prefix): every layer attends to the key/value prefix first;
//   the KV cache never holds it, and the real tokens' positions start at
//   num_virtual_tokens, as transformers numbers tokens after a prefilled cache.
//
// Switched off, every call goes straight to the base model.
#include <atomic>
#include <memory>

#include "prompt_learning_config.hpp"
#include "prompt_module.hpp"
#include "tunepipe/causal_lm.hpp"

namespace tp::prompt {

class VirtualTokenLM : public CausalLM {
 public:
  VirtualTokenLM(std::shared_ptr<CausalLM> base, std::shared_ptr<const PromptModule> prompt, Placement placement,
                 std::int64_t num_virtual_tokens);

  const DecoderConfig& config() const override { return base_->config(); }
  at::Tensor embed(const at::Tensor& input_ids) const override { return base_->embed(input_ids); }
  at::Tensor hidden_states(const ForwardInput& input) const override;
  at::Tensor lm_head(const at::Tensor& hidden) const override { return base_->lm_head(hidden); }
  std::vector<std::pair<std::string, AdaptableLinear*>> adaptable_linears() override {
    return base_->adaptable_linears();
  }
  std::vector<std::pair<std::string, at::Tensor>> named_weights() const override { return base_->named_weights(); }

  void set_enabled(bool enabled) { enabled_ = enabled; }

 private:
  at::Tensor with_prepended_tokens(const ForwardInput& input) const;
  at::Tensor with_layer_prefix(const ForwardInput& input) const;

  std::shared_ptr<CausalLM> base_;
  std::shared_ptr<const PromptModule> prompt_;
  Placement placement_;
  std::int64_t virtual_tokens_;
  at::TensorOptions weights_;  // the base's device and dtype
  std::atomic<bool> enabled_ = true;
};

}  // namespace tp::prompt
