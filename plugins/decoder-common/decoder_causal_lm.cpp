#include "decoder_causal_lm.hpp"

#include <ATen/core/grad_mode.h>

#include "attention_mask.hpp"
#include "decoder_config.hpp"
#include "forward_checks.hpp"
#include "layer_checkpoint.hpp"
#include "rms_norm.hpp"
#include "tunepipe/linear.hpp"
#include "tunepipe/packed_sequences.hpp"

namespace tp::decoder {

DecoderCausalLM::DecoderCausalLM(DecoderConfig config, const WeightLoader& weights)
    : config_(std::move(config)),
      embed_tokens_(weights.load("model.embed_tokens.weight", {config_.vocab_size, config_.hidden_size})),
      final_norm_(weights.load("model.norm.weight", {config_.hidden_size})),
      lm_head_(config_.tie_word_embeddings ? embed_tokens_
                                           : weights.load("lm_head.weight", {config_.vocab_size, config_.hidden_size})),
      rotary_(config_, uses_interleaved_rotary(config_), weights.target().device()) {
  layers_.reserve(static_cast<std::size_t>(config_.num_layers));
  for (std::int64_t i = 0; i < config_.num_layers; ++i) layers_.emplace_back(config_, weights, i);
}

at::Tensor DecoderCausalLM::embed(const at::Tensor& input_ids) const {
  return at::embedding(embed_tokens_, input_ids.to(embed_tokens_.device()));
}

at::Tensor DecoderCausalLM::hidden_states(const ForwardInput& input) const {
  const ForwardShape shape = check_forward_input(input, config_);
  at::Tensor hidden = input.inputs_embeds.defined() ? input.inputs_embeds.to(embed_tokens_.device())
                                                    : embed(input.input_ids);
  hidden = hidden.to(embed_tokens_.scalar_type());

  at::Tensor position_ids = input.position_ids.defined() ? input.position_ids.to(hidden.device())
                                                         : derive_position_ids(input.attention_mask, shape, hidden.device());
  const at::Tensor sequences = packed_sequence_ids(input);
  ForwardContext context{rotary_, rotary_.angles(position_ids, hidden.scalar_type()),
                         attention_pattern(input.attention_mask, sequences, shape.batch, shape.cached, shape.tokens,
                                           shape.prefix, hidden.device())};
  const bool checkpoint = input.checkpoint_layers && at::GradMode::is_enabled() && input.cache == nullptr;
  if (input.cache != nullptr) {
    input.cache->keys.resize(layers_.size());
    input.cache->values.resize(layers_.size());
  }
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    LayerMemory memory;
    if (input.cache != nullptr) {
      memory.cached_keys = &input.cache->keys[i];
      memory.cached_values = &input.cache->values[i];
    }
    if (!input.layer_prefix.empty()) {
      memory.prefix_keys = &input.layer_prefix[i].first;
      memory.prefix_values = &input.layer_prefix[i].second;
    }
    hidden = checkpoint ? checkpointed_layer(layers_[i], context, hidden, memory.prefix_keys, memory.prefix_values)
                        : layers_[i].forward(hidden, context, memory);
  }
  return rms_norm(hidden, final_norm_, config_.rms_norm_eps);
}

at::Tensor DecoderCausalLM::lm_head(const at::Tensor& hidden) const { return tp::linear(hidden, lm_head_); }

std::vector<std::pair<std::string, AdaptableLinear*>> DecoderCausalLM::adaptable_linears() {
  std::vector<std::pair<std::string, AdaptableLinear*>> linears;
  for (DecoderLayer& layer : layers_) {
    const std::string attention = layer.name + ".self_attn.";
    const std::string mlp = layer.name + ".mlp.";
    linears.insert(linears.end(), {{attention + "q_proj", &layer.self_attn.q_proj},
                                   {attention + "k_proj", &layer.self_attn.k_proj},
                                   {attention + "v_proj", &layer.self_attn.v_proj},
                                   {attention + "o_proj", &layer.self_attn.o_proj},
                                   {mlp + "gate_proj", &layer.mlp.gate_proj},
                                   {mlp + "up_proj", &layer.mlp.up_proj},
                                   {mlp + "down_proj", &layer.mlp.down_proj}});
  }
  return linears;
}

std::vector<std::pair<std::string, at::Tensor>> DecoderCausalLM::named_weights() const {
  std::vector<std::pair<std::string, at::Tensor>> weights{{"model.embed_tokens.weight", embed_tokens_}};
  auto add_linear = [&](const std::string& name, const AdaptableLinear& linear) {
    weights.emplace_back(name + ".weight", linear.weight());
    if (linear.bias().defined()) weights.emplace_back(name + ".bias", linear.bias());
  };
  for (const DecoderLayer& layer : layers_) {
    weights.emplace_back(layer.name + ".input_layernorm.weight", layer.input_layernorm);
    weights.emplace_back(layer.name + ".post_attention_layernorm.weight", layer.post_attention_layernorm);
    const std::string attention = layer.name + ".self_attn.";
    add_linear(attention + "q_proj", layer.self_attn.q_proj);
    add_linear(attention + "k_proj", layer.self_attn.k_proj);
    add_linear(attention + "v_proj", layer.self_attn.v_proj);
    add_linear(attention + "o_proj", layer.self_attn.o_proj);
    if (layer.self_attn.q_norm.defined()) {
      weights.emplace_back(attention + "q_norm.weight", layer.self_attn.q_norm);
      weights.emplace_back(attention + "k_norm.weight", layer.self_attn.k_norm);
    }
    add_linear(layer.name + ".mlp.gate_proj", layer.mlp.gate_proj);
    add_linear(layer.name + ".mlp.up_proj", layer.mlp.up_proj);
    add_linear(layer.name + ".mlp.down_proj", layer.mlp.down_proj);
  }
  weights.emplace_back("model.norm.weight", final_norm_);
  if (!config_.tie_word_embeddings) weights.emplace_back("lm_head.weight", lm_head_);
  return weights;
}

}  // namespace tp::decoder
