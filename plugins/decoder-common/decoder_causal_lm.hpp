#pragma once
// tp::CausalLM for the Llama family of decoders (Llama, Qwen2/Qwen3, ERNIE-4.5):
// token embeddings, pre-norm layers, final norm and the (possibly tied) head.
#include <ATen/ATen.h>

#include <vector>

#include "decoder_layer.hpp"
#include "rotary_embedding.hpp"
#include "tunepipe/causal_lm.hpp"
#include "weight_loader.hpp"

namespace tp::decoder {

class DecoderCausalLM : public CausalLM {
 public:
  DecoderCausalLM(DecoderConfig config, const WeightLoader& weights);

  const DecoderConfig& config() const override { return config_; }
  at::Tensor embed(const at::Tensor& input_ids) const override;
  at::Tensor hidden_states(const ForwardInput& input) const override;
  at::Tensor lm_head(const at::Tensor& hidden) const override;
  std::vector<std::pair<std::string, AdaptableLinear*>> adaptable_linears() override;
  std::vector<std::pair<std::string, at::Tensor>> named_weights() const override;

 private:
  DecoderConfig config_;
  at::Tensor embed_tokens_;
  std::vector<DecoderLayer> layers_;  // never resized after construction: adapters hold pointers into it
  at::Tensor final_norm_;
  at::Tensor lm_head_;  // the embedding matrix itself when tied
  RotaryEmbedding rotary_;
};

}  // namespace tp::decoder
