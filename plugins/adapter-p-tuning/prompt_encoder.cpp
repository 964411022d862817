#include "prompt_encoder.hpp"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>

namespace tp::p_tuning {
namespace {

using prompt::ParameterSpec;

constexpr const char* kEmbedding = "prompt_encoder.embedding.weight";

bool is_lstm(const EncoderShape& shape) { return shape.config.reparameterization == "LSTM"; }

// The MLP layers' indices inside peft's nn.Sequential (ReLUs in between).
std::vector<int> mlp_layers(const EncoderShape& shape) {
  return is_lstm(shape) ? std::vector<int>{0, 2} : std::vector<int>{0, 2, 4};
}

std::string mlp_name(int index) { return fmt::format("prompt_encoder.mlp_head.{}", index); }

void append(std::vector<ParameterSpec>& specs, std::vector<ParameterSpec> more) {
  specs.insert(specs.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace

std::vector<ParameterSpec> encoder_specs(const EncoderShape& shape) {
  const std::int64_t dim = shape.token_dim, hidden = shape.config.hidden_size;
  std::vector<ParameterSpec> specs{prompt::embedding_spec(kEmbedding, shape.num_virtual_tokens, dim)};
  if (!is_lstm(shape)) {
    append(specs, prompt::linear_specs(mlp_name(0), dim, hidden));
    append(specs, prompt::linear_specs(mlp_name(2), hidden, hidden));
    append(specs, prompt::linear_specs(mlp_name(4), hidden, dim));
    return specs;
  }
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));  // nn.LSTM's reset_parameters
  for (std::int64_t layer = 0; layer < shape.config.num_layers; ++layer) {
    const std::int64_t input = layer == 0 ? dim : 2 * hidden;
    for (const char* direction : {"", "_reverse"}) {
      const std::string suffix = fmt::format("_l{}{}", layer, direction);
      specs.push_back({"prompt_encoder.lstm_head.weight_ih" + suffix, {4 * hidden, input}, ParameterSpec::Init::Uniform, bound});
      specs.push_back({"prompt_encoder.lstm_head.weight_hh" + suffix, {4 * hidden, hidden}, ParameterSpec::Init::Uniform, bound});
      specs.push_back({"prompt_encoder.lstm_head.bias_ih" + suffix, {4 * hidden}, ParameterSpec::Init::Uniform, bound});
      specs.push_back({"prompt_encoder.lstm_head.bias_hh" + suffix, {4 * hidden}, ParameterSpec::Init::Uniform, bound});
    }
  }
  append(specs, prompt::linear_specs(mlp_name(0), 2 * hidden, 2 * hidden));
  append(specs, prompt::linear_specs(mlp_name(2), 2 * hidden, dim));
  return specs;
}

PromptEncoder::PromptEncoder(EncoderShape shape, prompt::ParameterTable parameters)
    : shape_(std::move(shape)), parameters_(std::move(parameters)) {}

at::Tensor PromptEncoder::mlp_head(at::Tensor x) const {
  const std::vector<int> layers = mlp_layers(shape_);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string name = mlp_name(layers[i]);
    x = at::linear(x, prompt::parameter(parameters_, name + ".weight"), prompt::parameter(parameters_, name + ".bias"));
    if (i + 1 < layers.size()) x = at::relu(x);
  }
  return x;
}

at::Tensor PromptEncoder::output(bool training) const {
  const at::Tensor embeddings = prompt::parameter(parameters_, kEmbedding);
  if (!is_lstm(shape_)) return mlp_head(embeddings);
  std::vector<at::Tensor> weights;
  for (const auto& [name, tensor] : parameters_)
    if (name.starts_with("prompt_encoder.lstm_head.")) weights.push_back(tensor);
  const at::Tensor state = at::zeros({2 * shape_.config.num_layers, 1, shape_.config.hidden_size}, embeddings.options());
  const at::Tensor sequence =
      std::get<0>(at::lstm(embeddings.unsqueeze(0), {state, state}, weights, /*has_biases=*/true,
                           shape_.config.num_layers, shape_.config.dropout, training, /*bidirectional=*/true,
                           /*batch_first=*/true));
  return mlp_head(sequence.squeeze(0));
}

}  // namespace tp::p_tuning
