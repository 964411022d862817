#pragma once
// The shapes of a tp::ForwardInput checked against each other and the config,
// and the position ids transformers would use when none are given.
#include <ATen/ATen.h>

#include <cstdint>

#include "tunepipe/causal_lm.hpp"

namespace tp::decoder {

struct ForwardShape {
  std::int64_t batch = 0;
  std::int64_t tokens = 0;
  std::int64_t cached = 0;  // tokens already in the KV cache
  std::int64_t prefix = 0;  // per-layer key/value prefix length
};

// Throws tp::Error describing the first inconsistency.
ForwardShape check_forward_input(const ForwardInput& input, const DecoderConfig& config);

// Left padding counts from the first kept token (mask.cumsum - 1, padding at
// 1), as transformers' generate does; without a mask, positions continue
// after the cache.
at::Tensor derive_position_ids(const at::Tensor& attention_mask, const ForwardShape& shape, const at::Device& device);

}  // namespace tp::decoder
