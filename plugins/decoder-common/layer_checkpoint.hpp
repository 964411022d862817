#pragma once
// Activation checkpointing of one decoder layer: the forward keeps only the
// layer's inputs, the backward runs the layer again with autograd and
// back-propagates through it.
#include <ATen/ATen.h>

#include "decoder_block.hpp"

namespace tp::decoder {

// The layer's output, as layer.forward(hidden, context, {prefix}) computes it.
// Gradients reach the hidden states, the prefix and every trainable tensor the
// layer uses (adapter weights), as they would without checkpointing; dropout
// draws the same masks when the layer is recomputed. `context` is copied and
// `layer` must outlive the backward.
at::Tensor checkpointed_layer(const DecoderBlock& layer, const ForwardContext& context, const at::Tensor& hidden,
                              const at::Tensor* prefix_keys, const at::Tensor* prefix_values);

}  // namespace tp::decoder
