#include "forward_checks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "tunepipe/error.hpp"

namespace tp::decoder {
namespace {

void expect_shape(const at::Tensor& tensor, const char* what, const std::vector<std::int64_t>& expected,
                  const char* meaning) {
  if (tensor.sizes().vec() != expected)
    throw Error(fmt::format("model forward: {} has shape [{}]; expected [{}] ({})", what, fmt::join(tensor.sizes(), ", "),
                            fmt::join(expected, ", "), meaning));
}

}  // namespace

ForwardShape check_forward_input(const ForwardInput& input, const DecoderConfig& config) {
  ForwardShape shape;
  if (input.input_ids.defined() == input.inputs_embeds.defined())
    throw Error("model forward: give exactly one of input_ids and inputs_embeds");
  if (input.input_ids.defined()) {
    if (input.input_ids.dim() != 2) throw Error("model forward: input_ids must be [batch, tokens]");
    shape.batch = input.input_ids.size(0);
    shape.tokens = input.input_ids.size(1);
  } else {
    if (input.inputs_embeds.dim() != 3 || input.inputs_embeds.size(2) != config.hidden_size)
      throw Error(fmt::format("model forward: inputs_embeds must be [batch, tokens, {}]", config.hidden_size));
    shape.batch = input.inputs_embeds.size(0);
    shape.tokens = input.inputs_embeds.size(1);
  }
  if (shape.tokens == 0) throw Error("model forward: no tokens");
  if (input.cache != nullptr) {
    shape.cached = input.cache->length();
    if (shape.cached > 0 && input.cache->keys[0].size(0) != shape.batch)
      throw Error(fmt::format("model forward: the KV cache holds a batch of {}, the input one of {}",
                              input.cache->keys[0].size(0), shape.batch));
  }
  if (input.attention_mask.defined())
    expect_shape(input.attention_mask, "attention_mask", {shape.batch, shape.cached + shape.tokens},
                 "batch, cached + new tokens");
  if (input.position_ids.defined())
    expect_shape(input.position_ids, "position_ids", {shape.batch, shape.tokens}, "batch, new tokens");
  if (!input.layer_prefix.empty()) {
    if (static_cast<std::int64_t>(input.layer_prefix.size()) != config.num_layers)
      throw Error(fmt::format("model forward: layer_prefix has {} entries for {} layers", input.layer_prefix.size(),
                              config.num_layers));
    shape.prefix = input.layer_prefix[0].first.size(2);
    for (const auto& [keys, values] : input.layer_prefix) {
      const std::int64_t rows = keys.size(0) == 1 ? 1 : shape.batch;
      expect_shape(keys, "a layer_prefix key", {rows, config.num_kv_heads, shape.prefix, config.head_dim},
                   "batch or 1, kv heads, prefix, head_dim");
      expect_shape(values, "a layer_prefix value", {rows, config.num_kv_heads, shape.prefix, config.head_dim},
                   "batch or 1, kv heads, prefix, head_dim");
    }
  }
  return shape;
}

at::Tensor derive_position_ids(const at::Tensor& attention_mask, const ForwardShape& shape, const at::Device& device) {
  if (!attention_mask.defined())
    return at::arange(shape.cached, shape.cached + shape.tokens, at::TensorOptions().dtype(at::kLong).device(device))
        .unsqueeze(0)
        .expand({shape.batch, shape.tokens});
  const at::Tensor mask = attention_mask.to(device).to(at::kLong);
  const at::Tensor positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1);
  return positions.narrow(1, shape.cached, shape.tokens);
}

}  // namespace tp::decoder
