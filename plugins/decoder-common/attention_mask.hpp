#pragma once
// Which keys each query may see: causal order, the padding of the attention
// mask (left padding included), the KV cache and a per-layer key/value prefix.
#include <ATen/ATen.h>

#include <cstdint>
#include <optional>

namespace tp::decoder {

struct AttentionPattern {
  at::Tensor allowed;      // [batch, 1, tokens, prefix + cached + tokens] bool; undefined when not needed
  bool is_causal = false;  // plain causal attention, left to the kernel
};

// `padding` is the stage's attention_mask [batch, cached + tokens] (1 keep, 0
// pad) or undefined. A query whose keys are all padding (a left-padding row)
// still sees itself, so its softmax stays finite; its output is never used.
// `sequences` [batch, tokens] (packed rows, no padding or cache) limits each
// query to the keys of its own sequence; undefined: one sequence per row.
// `first_visible` [batch, tokens] is the earliest key (counted from the
// cache's first) each query may see; undefined: the first. With a
// `sliding_window`, a query sees only the keys less than that many positions
// before it.
AttentionPattern attention_pattern(const at::Tensor& padding, const at::Tensor& sequences, std::int64_t batch,
                                   std::int64_t cached, std::int64_t tokens, std::int64_t prefix,
                                   const at::Device& device, const at::Tensor& first_visible = at::Tensor(),
                                   std::optional<std::int64_t> sliding_window = std::nullopt);

}  // namespace tp::decoder
