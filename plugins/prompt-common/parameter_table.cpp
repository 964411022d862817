#include "parameter_table.hpp"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <set>
#include <stdexcept>

#include "tunepipe/error.hpp"
#include "tunepipe/safetensors.hpp"

namespace tp::prompt {

ParameterSpec embedding_spec(std::string name, std::int64_t rows, std::int64_t cols) {
  return {std::move(name), {rows, cols}, ParameterSpec::Init::Normal, 0.0};
}

std::vector<ParameterSpec> linear_specs(const std::string& prefix, std::int64_t in, std::int64_t out) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  return {{prefix + ".weight", {out, in}, ParameterSpec::Init::Uniform, bound},
          {prefix + ".bias", {out}, ParameterSpec::Init::Uniform, bound}};
}

at::Tensor trainable(const at::Tensor& source, const at::Device& device) {
  // Always a copy: a tensor read from a file is a view of its read-only mapping.
  return source.to(device, at::kFloat, /*non_blocking=*/false, /*copy=*/true).requires_grad_(true);
}

ParameterTable initial_parameters(const std::vector<ParameterSpec>& specs, std::uint64_t seed,
                                  const at::Device& device) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  ParameterTable table;
  for (const ParameterSpec& spec : specs) {
    at::Tensor values = at::empty(spec.shape, at::kFloat);
    switch (spec.init) {
      case ParameterSpec::Init::Normal: values.normal_(0.0, 1.0, generator); break;
      case ParameterSpec::Init::Uniform: values.uniform_(-spec.bound, spec.bound, generator); break;
      case ParameterSpec::Init::Zeros: values.zero_(); break;
    }
    table.emplace_back(spec.name, trainable(values, device));
  }
  return table;
}

ParameterTable read_parameters(const std::filesystem::path& path, const std::vector<ParameterSpec>& specs,
                               const at::Device& device, const std::string& why) {
  const auto file = safetensors::File::open(path);
  const Location where{path.string()};
  std::set<std::string> expected;
  ParameterTable table;
  for (const ParameterSpec& spec : specs) {
    const safetensors::TensorInfo* info = file->find(spec.name);
    if (info == nullptr) throw Error(where, fmt::format("tensor \"{}\" is missing ({})", spec.name, why));
    if (info->shape != spec.shape)
      throw Error(where, fmt::format("tensor \"{}\" has shape [{}], expected [{}] ({})", spec.name,
                                     fmt::join(info->shape, ", "), fmt::join(spec.shape, ", "), why));
    table.emplace_back(spec.name, trainable(file->tensor(spec.name), device));
    expected.insert(spec.name);
  }
  for (const safetensors::TensorInfo& info : file->tensors())
    if (!expected.contains(info.name))
      throw Error(where, fmt::format("unexpected tensor \"{}\" ({})", info.name, why));
  return table;
}

const at::Tensor& parameter(const ParameterTable& table, const std::string& name) {
  for (const auto& [key, tensor] : table)
    if (key == name) return tensor;
  throw std::logic_error("prompt module: no parameter " + name);
}

}  // namespace tp::prompt
