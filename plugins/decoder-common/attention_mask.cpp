#include "attention_mask.hpp"

namespace tp::decoder {

AttentionPattern attention_pattern(const at::Tensor& padding, const at::Tensor& sequences, std::int64_t batch,
                                   std::int64_t cached, std::int64_t tokens, std::int64_t prefix,
                                   const at::Device& device, const at::Tensor& first_visible,
                                   std::optional<std::int64_t> sliding_window) {
  // A window no longer than the keys leaves nothing out.
  if (sliding_window && *sliding_window >= cached + tokens) sliding_window.reset();
  if (!padding.defined() && !sequences.defined() && !first_visible.defined() && !sliding_window && prefix == 0) {
    if (cached == 0) return {at::Tensor(), tokens > 1};
    if (tokens == 1) return {};  // one new token sees everything cached
  }
  const std::int64_t keys = cached + tokens;
  const auto long_options = at::TensorOptions().dtype(at::kLong).device(device);
  const at::Tensor query_position = at::arange(cached, keys, long_options).unsqueeze(1);
  const at::Tensor key_position = at::arange(0, keys, long_options).unsqueeze(0);
  at::Tensor allowed = key_position <= query_position;
  if (sliding_window) allowed = allowed & (key_position > query_position - *sliding_window);
  allowed = allowed.view({1, 1, tokens, keys});
  if (padding.defined()) {
    const at::Tensor kept = padding.to(device).to(at::kBool).view({batch, 1, 1, keys});
    allowed = (allowed & kept) | (key_position == query_position).view({1, 1, tokens, keys});
  }
  if (sequences.defined()) {
    const at::Tensor sequence = sequences.to(device);
    allowed = allowed & (sequence.view({batch, 1, tokens, 1}) == sequence.view({batch, 1, 1, tokens}));
  }
  if (first_visible.defined())
    allowed = allowed & (key_position.view({1, 1, 1, keys}) >= first_visible.to(device).view({batch, 1, tokens, 1}));
  allowed = allowed.expand({batch, 1, tokens, keys});
  if (prefix > 0)
    allowed = at::cat({at::ones({batch, 1, tokens, prefix}, long_options.dtype(at::kBool)), allowed}, -1);
  return {allowed.contiguous(), false};
}

}  // namespace tp::decoder
