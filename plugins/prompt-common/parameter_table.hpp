#pragma once
// The trainable tensors of a prompt module by name: their shapes and torch's
// default initialisation for them, fresh from a seed or read from a file.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace tp::prompt {

struct ParameterSpec {
  enum class Init { Normal, Uniform, Zeros };  // Normal: N(0, 1), nn.Embedding's; Uniform: U(-bound, bound)
  std::string name;
  std::vector<std::int64_t> shape;
  Init init = Init::Normal;
  double bound = 0.0;
};

// nn.Embedding(rows, cols).weight.
ParameterSpec embedding_spec(std::string name, std::int64_t rows, std::int64_t cols);
// nn.Linear(in, out): weight and bias, both U(-1/√in, 1/√in) (kaiming_uniform with a = √5, as torch does).
std::vector<ParameterSpec> linear_specs(const std::string& prefix, std::int64_t in, std::int64_t out);

// Named fp32 tensors that require grad, in the order of their specs.
using ParameterTable = std::vector<std::pair<std::string, at::Tensor>>;

// Drawn from a generator seeded with `seed`, then moved to `device`.
ParameterTable initial_parameters(const std::vector<ParameterSpec>& specs, std::uint64_t seed,
                                  const at::Device& device);
// Exactly the specs' tensors from a safetensors file: a missing, misshapen or
// unexpected tensor is a tp::Error naming the file and tensor; `why` says
// what the shapes follow from.
ParameterTable read_parameters(const std::filesystem::path& file, const std::vector<ParameterSpec>& specs,
                               const at::Device& device, const std::string& why);

// A copy of `source` as an fp32 leaf on `device` that requires grad.
at::Tensor trainable(const at::Tensor& source, const at::Device& device);
// The tensor of that name; a logic error when absent (the specs made the table).
const at::Tensor& parameter(const ParameterTable& table, const std::string& name);

}  // namespace tp::prompt
