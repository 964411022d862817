#include "decoder_causal_lm.hpp"

#include <ATen/core/grad_mode.h>

#include "attention_mask.hpp"
#include "decoder_layer.hpp"
#include "layer_checkpoint.hpp"
#include "rms_norm.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/linear.hpp"
#include "tunepipe/packed_sequences.hpp"
#include "yuan_layer.hpp"

namespace tp::decoder {
namespace {

// KVCache::state: the first key the next tokens may see, per row (where attention last reset).
constexpr const char* kDocumentStart = "document_start";

std::unique_ptr<DecoderBlock> make_layer(const DecoderConfig& config, const LayerSettings& layers,
                                         const WeightLoader& weights, std::int64_t index) {
  if (layers.yuan2_layers) return std::make_unique<YuanLayer>(config, weights, index);
  return std::make_unique<DecoderLayer>(config, layers, weights, index);
}

// [batch, 1 + tokens]: whether the token before this forward's first one, and each of its tokens, is real.
at::Tensor real_tokens(const ForwardInput& input, const ForwardShape& shape, const at::TensorOptions& options) {
  at::Tensor tokens = input.attention_mask.defined()
                          ? input.attention_mask.to(options.device()).narrow(1, shape.cached, shape.tokens).to(options)
                          : at::ones({shape.batch, shape.tokens}, options);
  at::Tensor before = shape.cached > 0 && input.attention_mask.defined()
                          ? input.attention_mask.to(options.device()).narrow(1, shape.cached - 1, 1).to(options)
                          : at::full({shape.batch, 1}, shape.cached > 0 ? 1.0 : 0.0, options);
  return at::cat({before, tokens}, 1);
}

}  // namespace

DecoderCausalLM::DecoderCausalLM(DecoderDescription description, const WeightLoader& weights)
    : config_(std::move(description.config)),
      layers_settings_(std::move(description.layers)),
      embed_tokens_(weights.load("model.embed_tokens.weight", {config_.vocab_size, config_.hidden_size})),
      final_norm_(weights.load("model.norm.weight", {config_.hidden_size})),
      lm_head_(config_.tie_word_embeddings ? embed_tokens_
                                           : weights.load("lm_head.weight", {config_.vocab_size, config_.hidden_size})),
      rotary_(config_, layers_settings_.interleaved_rotary, weights.target().device()) {
  layers_.reserve(static_cast<std::size_t>(config_.num_layers));
  for (std::int64_t i = 0; i < config_.num_layers; ++i)
    layers_.push_back(make_layer(config_, layers_settings_, weights, i));
}

at::Tensor DecoderCausalLM::embed(const at::Tensor& input_ids) const {
  return at::embedding(embed_tokens_, input_ids.to(embed_tokens_.device()));
}

at::Tensor DecoderCausalLM::first_visible_keys(const ForwardInput& input, const ForwardShape& shape) const {
  // Without the token ids (prompt tuning's embeddings) no end is seen; the templates put one only at a row's end.
  if (!layers_settings_.attention_resets_after || !input.input_ids.defined()) return {};
  if (!at::GradMode::is_enabled() && !layers_settings_.resets_without_gradients) return {};
  const at::Device device = embed_tokens_.device();
  const auto options = at::TensorOptions().dtype(at::kLong).device(device);
  at::Tensor ends = input.input_ids.to(device) == *layers_settings_.attention_resets_after;
  if (input.attention_mask.defined())
    ends = ends & input.attention_mask.to(device).narrow(1, shape.cached, shape.tokens).to(at::kBool);
  const at::Tensor next_keys = at::arange(shape.cached + 1, shape.cached + shape.tokens + 1, options).unsqueeze(0);
  const at::Tensor after_end = at::where(ends, next_keys, at::zeros({}, options));
  const at::Tensor through = std::get<0>(after_end.cummax(1));  // the latest reset up to each token, itself included
  at::Tensor start = at::zeros({shape.batch}, options);
  if (input.cache != nullptr) {
    const auto kept = input.cache->state.find(kDocumentStart);
    if (kept != input.cache->state.end()) start = kept->second;
    input.cache->state[kDocumentStart] = at::maximum(start, through.select(1, shape.tokens - 1));
  }
  if (!ends.any().item<bool>() && !start.any().item<bool>()) return {};
  const at::Tensor before = at::cat({at::zeros({shape.batch, 1}, options), through.narrow(1, 0, shape.tokens - 1)}, 1);
  return at::maximum(before, start.unsqueeze(1));
}

at::Tensor DecoderCausalLM::hidden_states(const ForwardInput& input) const {
  const ForwardShape shape = check_forward_input(input, config_);
  at::Tensor hidden = input.inputs_embeds.defined() ? input.inputs_embeds.to(embed_tokens_.device())
                                                    : embed(input.input_ids);
  hidden = hidden.to(embed_tokens_.scalar_type());

  at::Tensor position_ids = input.position_ids.defined() ? input.position_ids.to(hidden.device())
                                                         : derive_position_ids(input.attention_mask, shape, hidden.device());
  const at::Tensor sequences = packed_sequence_ids(input);
  if (sequences.defined() && layers_settings_.yuan2_layers)
    throw Error("Yuan2's LocalizedFiltering mixes every token with the one before it, so samples packed into one row "
                "would leak into each other: set [trainer] packing = false");
  ForwardContext context{rotary_, rotary_.angles(position_ids, hidden.scalar_type()),
                         attention_pattern(input.attention_mask, sequences, shape.batch, shape.cached, shape.tokens,
                                           shape.prefix, hidden.device(), first_visible_keys(input, shape),
                                           layers_settings_.sliding_window),
                         layers_settings_.yuan2_layers ? real_tokens(input, shape, hidden.options()) : at::Tensor()};
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
      memory.state = &input.cache->state;
    }
    if (!input.layer_prefix.empty()) {
      memory.prefix_keys = &input.layer_prefix[i].first;
      memory.prefix_values = &input.layer_prefix[i].second;
    }
    hidden = checkpoint ? checkpointed_layer(*layers_[i], context, hidden, memory.prefix_keys, memory.prefix_values)
                        : layers_[i]->forward(hidden, context, memory);
  }
  return rms_norm(hidden, final_norm_, config_.rms_norm_eps);
}

at::Tensor DecoderCausalLM::lm_head(const at::Tensor& hidden) const { return tp::linear(hidden, lm_head_); }

std::vector<std::pair<std::string, AdaptableLinear*>> DecoderCausalLM::adaptable_linears() {
  std::vector<std::pair<std::string, AdaptableLinear*>> linears;
  for (const auto& layer : layers_) layer->add_adaptable_linears(linears);
  return linears;
}

std::vector<std::pair<std::string, at::Tensor>> DecoderCausalLM::named_weights() const {
  std::vector<std::pair<std::string, at::Tensor>> weights{{"model.embed_tokens.weight", embed_tokens_}};
  for (const auto& layer : layers_) layer->add_named_weights(weights);
  weights.emplace_back("model.norm.weight", final_norm_);
  if (!config_.tie_word_embeddings) weights.emplace_back("lm_head.weight", lm_head_);
  return weights;
}

}  // namespace tp::decoder
