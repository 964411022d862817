#pragma once
// peft's PrefixEncoder with prefix_projection: an embedding per virtual token
// through Linear-Tanh-Linear to every layer's keys and values; its
// parameters named as peft's, under "prompt_encoder.".
#include <cstdint>
#include <vector>

#include "parameter_table.hpp"
#include "prompt_module.hpp"

namespace tp::prefix {

struct ProjectionShape {
  std::int64_t num_virtual_tokens = 0;
  std::int64_t token_dim = 0;       // key/value heads × head_dim
  std::int64_t hidden_size = 0;     // encoder_hidden_size
  std::int64_t num_layers = 0;
  bool zero_output = false;         // init_weights = "zero": the last layer starts at zero
};

std::vector<prompt::ParameterSpec> projection_specs(const ProjectionShape& shape);

class PrefixProjection : public prompt::PromptModule {
 public:
  explicit PrefixProjection(prompt::ParameterTable parameters);
  // [num_virtual_tokens, num_layers × 2 × token_dim]
  at::Tensor output(bool training) const override;
  const prompt::ParameterTable& parameters() const override { return parameters_; }
  bool has_encoder() const override { return true; }

 private:
  prompt::ParameterTable parameters_;
};

}  // namespace tp::prefix
