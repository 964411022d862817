#pragma once
// Rotary position embedding as transformers computes it: inverse frequencies
// (with linear or llama3 scaling), cos/sin per position, and the rotation.
#include <ATen/ATen.h>

#include "tunepipe/causal_lm.hpp"

namespace tp::decoder {

struct RotaryAngles {
  at::Tensor cos;  // [batch, 1, tokens, head_dim], broadcast over heads
  at::Tensor sin;
};

class RotaryEmbedding {
 public:
  // `interleaved`: LayerSettings::interleaved_rotary.
  RotaryEmbedding(const DecoderConfig& config, bool interleaved, const at::Device& device);

  // Computed once per forward and shared by every layer; `dtype` is the
  // activations' (the interleaved style keeps float32).
  RotaryAngles angles(const at::Tensor& position_ids, at::ScalarType dtype) const;
  // Rotates queries or keys [batch, heads, tokens, head_dim].
  at::Tensor rotate(const at::Tensor& x, const RotaryAngles& angles) const;

 private:
  at::Tensor inverse_frequencies_;  // [head_dim / 2], float32
  bool interleaved_;
};

}  // namespace tp::decoder
