#pragma once
// peft's PromptEncoder: an embedding per virtual token passed through an MLP
// (Linear-ReLU-Linear-ReLU-Linear), or through a bidirectional LSTM and a
// two-layer MLP head; its parameters named as peft's, under "prompt_encoder.".
#include <cstdint>
#include <vector>

#include "p_tuning_config.hpp"
#include "parameter_table.hpp"
#include "prompt_module.hpp"

namespace tp::p_tuning {

struct EncoderShape {
  PTuningConfig config;
  std::int64_t num_virtual_tokens = 0;
  std::int64_t token_dim = 0;
};

// Shapes and torch's default initialisation of every parameter, in the order
// the forward (and the LSTM's flat weight list) uses them.
std::vector<prompt::ParameterSpec> encoder_specs(const EncoderShape& shape);

class PromptEncoder : public prompt::PromptModule {
 public:
  PromptEncoder(EncoderShape shape, prompt::ParameterTable parameters);
  at::Tensor output(bool training) const override;
  const prompt::ParameterTable& parameters() const override { return parameters_; }
  bool has_encoder() const override { return true; }

 private:
  at::Tensor mlp_head(at::Tensor x) const;

  EncoderShape shape_;
  prompt::ParameterTable parameters_;
};

}  // namespace tp::p_tuning
