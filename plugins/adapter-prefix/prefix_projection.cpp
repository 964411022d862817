#include "prefix_projection.hpp"

#include <ATen/ATen.h>

namespace tp::prefix {
namespace {

constexpr const char* kEmbedding = "prompt_encoder.embedding.weight";

}  // namespace

std::vector<prompt::ParameterSpec> projection_specs(const ProjectionShape& shape) {
  std::vector<prompt::ParameterSpec> specs{
      prompt::embedding_spec(kEmbedding, shape.num_virtual_tokens, shape.token_dim)};
  for (auto& spec : prompt::linear_specs("prompt_encoder.transform.0", shape.token_dim, shape.hidden_size))
    specs.push_back(std::move(spec));
  for (auto spec : prompt::linear_specs("prompt_encoder.transform.2", shape.hidden_size,
                                        shape.num_layers * 2 * shape.token_dim)) {
    if (shape.zero_output) spec.init = prompt::ParameterSpec::Init::Zeros;
    specs.push_back(std::move(spec));
  }
  return specs;
}

PrefixProjection::PrefixProjection(prompt::ParameterTable parameters) : parameters_(std::move(parameters)) {}

at::Tensor PrefixProjection::output(bool) const {
  const auto& p = parameters_;
  const at::Tensor hidden = at::tanh(at::linear(prompt::parameter(p, kEmbedding),
                                                prompt::parameter(p, "prompt_encoder.transform.0.weight"),
                                                prompt::parameter(p, "prompt_encoder.transform.0.bias")));
  return at::linear(hidden, prompt::parameter(p, "prompt_encoder.transform.2.weight"),
                    prompt::parameter(p, "prompt_encoder.transform.2.bias"));
}

}  // namespace tp::prefix
