#include "virtual_token_lm.hpp"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "tunepipe/error.hpp"
#include "tunepipe/packed_sequences.hpp"

namespace tp::prompt {
namespace {

std::int64_t batch_of(const ForwardInput& input) {
  return input.input_ids.defined() ? input.input_ids.size(0) : input.inputs_embeds.size(0);
}

std::int64_t tokens_of(const ForwardInput& input) {
  return input.input_ids.defined() ? input.input_ids.size(1) : input.inputs_embeds.size(1);
}

at::Tensor ones_before(const at::Tensor& mask, std::int64_t count) {
  return at::cat({at::ones({mask.size(0), count}, mask.options()), mask}, 1);
}

void check_input(const ForwardInput& input) {
  if (input.input_ids.defined() == input.inputs_embeds.defined())
    throw Error("model forward: give exactly one of input_ids and inputs_embeds");
}

}  // namespace

VirtualTokenLM::VirtualTokenLM(std::shared_ptr<CausalLM> base, std::shared_ptr<const PromptModule> prompt,
                               Placement placement, std::int64_t num_virtual_tokens)
    : base_(std::move(base)),
      prompt_(std::move(prompt)),
      placement_(placement),
      virtual_tokens_(num_virtual_tokens),
      weights_(base_->named_weights().front().second.options()) {}

at::Tensor VirtualTokenLM::hidden_states(const ForwardInput& input) const {
  if (!enabled_) return base_->hidden_states(input);
  check_input(input);
  return placement_ == Placement::InputEmbeddings ? with_prepended_tokens(input) : with_layer_prefix(input);
}

at::Tensor VirtualTokenLM::with_prepended_tokens(const ForwardInput& input) const {
  const std::int64_t batch = batch_of(input), tokens = tokens_of(input);
  if (packed_sequence_ids(input).defined())
    throw Error("packed rows (several samples in a row) cannot take this adapter's virtual tokens: they are put "
                "before each row, so only its first sample would see them; set [trainer] packing = false");
  ForwardInput extended = input;
  if (input.attention_mask.defined()) extended.attention_mask = ones_before(input.attention_mask, virtual_tokens_);
  if (input.position_ids.defined()) extended.position_ids = input.position_ids + virtual_tokens_;

  const std::int64_t cached = input.cache == nullptr ? 0 : input.cache->length();
  if (cached > 0) {
    // The cache holds the virtual tokens this model put there on the first step.
    if (input.attention_mask.defined() && input.attention_mask.size(1) + virtual_tokens_ != cached + tokens)
      throw Error(fmt::format("model forward: the KV cache holds {} positions, but the attention mask covers {} (+ {} "
                              "virtual tokens) for {} new ones: fill the cache through the adapter's model only",
                              cached, input.attention_mask.size(1), virtual_tokens_, tokens));
    return base_->hidden_states(extended);
  }

  const at::Tensor embeddings = input.inputs_embeds.defined() ? input.inputs_embeds : base_->embed(input.input_ids);
  const at::Tensor prompt = prompt_->output(prompt_->training())
                                .to(embeddings.device(), embeddings.scalar_type())
                                .unsqueeze(0)
                                .expand({batch, virtual_tokens_, embeddings.size(2)});
  extended.input_ids = at::Tensor();
  extended.inputs_embeds = at::cat({prompt, embeddings}, 1);
  if (input.position_ids.defined()) {
    const at::Tensor first = at::arange(virtual_tokens_, input.position_ids.options()).unsqueeze(0);
    extended.position_ids = at::cat({first.expand({batch, virtual_tokens_}), extended.position_ids}, 1);
  }
  return base_->hidden_states(extended).narrow(1, virtual_tokens_, tokens);
}

at::Tensor VirtualTokenLM::with_layer_prefix(const ForwardInput& input) const {
  if (!input.layer_prefix.empty())
    throw Error("model forward: a prefix-tuning adapter's model takes no layer_prefix of its own");
  const DecoderConfig& config = base_->config();
  const std::int64_t tokens = tokens_of(input);
  const std::int64_t cached = input.cache == nullptr ? 0 : input.cache->length();

  ForwardInput extended = input;
  if (input.position_ids.defined()) {
    extended.position_ids = input.position_ids + virtual_tokens_;
  } else if (input.attention_mask.defined()) {
    const at::Tensor mask = input.attention_mask.to(at::kLong);
    const at::Tensor positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0) + virtual_tokens_;
    extended.position_ids = positions.narrow(1, mask.size(1) - tokens, tokens);
  } else {
    const at::Tensor positions = at::arange(virtual_tokens_ + cached, virtual_tokens_ + cached + tokens,
                                            at::TensorOptions().dtype(at::kLong));
    extended.position_ids = positions.unsqueeze(0).expand({batch_of(input), tokens});
  }

  // peft's layout: [tokens, layers × (key, value) × kv heads × head_dim], cast to the model's dtype.
  const at::Tensor prefix = prompt_->output(prompt_->training())
                                .to(weights_.device(), weights_.dtype().toScalarType())
                                .view({virtual_tokens_, config.num_layers * 2, config.num_kv_heads, config.head_dim})
                                .permute({1, 2, 0, 3})
                                .unsqueeze(1);  // [layers × 2, 1, kv heads, tokens, head_dim]
  extended.layer_prefix.reserve(static_cast<std::size_t>(config.num_layers));
  for (std::int64_t layer = 0; layer < config.num_layers; ++layer)
    extended.layer_prefix.emplace_back(prefix[2 * layer], prefix[2 * layer + 1]);
  return base_->hidden_states(extended);
}

}  // namespace tp::prompt
