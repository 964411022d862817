#pragma once
// tp::CausalLM for the decoders whose layers are built from the shared blocks:
// the Llama family (Llama, Mistral, Qwen2/Qwen3, ERNIE-4.5) and Yuan2. Token embeddings,
// the layers, final norm and the (possibly tied) head.
#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "decoder_block.hpp"
#include "decoder_config.hpp"
#include "forward_checks.hpp"
#include "rotary_embedding.hpp"
#include "tunepipe/causal_lm.hpp"
#include "weight_loader.hpp"

namespace tp::decoder {

class DecoderCausalLM : public CausalLM {
 public:
  DecoderCausalLM(DecoderDescription description, const WeightLoader& weights);

  const DecoderConfig& config() const override { return config_; }
  at::Tensor embed(const at::Tensor& input_ids) const override;
  at::Tensor hidden_states(const ForwardInput& input) const override;
  at::Tensor lm_head(const at::Tensor& hidden) const override;
  std::vector<std::pair<std::string, AdaptableLinear*>> adaptable_linears() override;
  std::vector<std::pair<std::string, at::Tensor>> named_weights() const override;

 private:
  // Where attention resets after a document's end (Yuan2): each query's first visible key; undefined: none.
  at::Tensor first_visible_keys(const ForwardInput& input, const ForwardShape& shape) const;

  DecoderConfig config_;
  LayerSettings layers_settings_;
  at::Tensor embed_tokens_;
  std::vector<std::unique_ptr<DecoderBlock>> layers_;  // adapters hold pointers into the layers
  at::Tensor final_norm_;
  at::Tensor lm_head_;  // the embedding matrix itself when tied
  RotaryEmbedding rotary_;
};

}  // namespace tp::decoder
