#include "lora_weights.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <set>

#include "tunepipe/safetensors.hpp"

namespace tp::lora {

std::string peft_key(const std::string& module, const std::string& matrix) {
  return "base_model.model." + module + "." + matrix + ".weight";
}

std::vector<LoraWeights> initial_weights(const std::vector<Target>& targets, std::int64_t r, const std::string& init,
                                         std::uint64_t seed) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<LoraWeights> weights;
  for (const Target& target : targets) {
    const std::int64_t in = target.linear->in_features();
    at::Tensor a = at::empty({r, in}, at::kFloat);
    if (init == "gaussian")
      a.normal_(0.0, 1.0 / static_cast<double>(r), generator);
    else
      a.uniform_(-1.0 / std::sqrt(static_cast<double>(in)), 1.0 / std::sqrt(static_cast<double>(in)), generator);
    weights.push_back({a, at::zeros({target.linear->out_features(), r}, at::kFloat)});
  }
  return weights;
}

namespace {

// `target` says which module and rank the tensor is for, in messages.
at::Tensor checked_tensor(const safetensors::File& file, const std::string& key, std::vector<std::int64_t> shape,
                          const std::string& target) {
  const Location where{file.path().string()};
  const safetensors::TensorInfo* info = file.find(key);
  if (info == nullptr)
    throw Error(where, fmt::format("tensor \"{}\" is missing (adapter_config.json targets {})", key, target));
  if (info->shape != shape)
    throw Error(where, fmt::format("tensor \"{}\" has shape [{}], expected [{}] for {}", key,
                                   fmt::join(info->shape, ", "), fmt::join(shape, ", "), target));
  return file.tensor(key);
}

}  // namespace

std::vector<LoraWeights> read_weights(const std::filesystem::path& dir, const std::vector<Target>& targets,
                                      std::int64_t r) {
  const std::filesystem::path path = dir / "adapter_model.safetensors";
  if (!std::filesystem::exists(path) && std::filesystem::exists(dir / "adapter_model.bin"))
    throw Error(Location{(dir / "adapter_model.bin").string()},
                "pickle adapters are not read: save it with safe_serialization=True (adapter_model.safetensors)");
  const auto file = safetensors::File::open(path);
  std::set<std::string> expected;
  std::vector<LoraWeights> weights;
  for (const Target& target : targets) {
    const std::int64_t in = target.linear->in_features(), out = target.linear->out_features();
    const std::string why = fmt::format("{} ({} → {}) with r = {}", target.name, in, out, r);
    const std::string a = peft_key(target.name, "lora_A"), b = peft_key(target.name, "lora_B");
    weights.push_back({checked_tensor(*file, a, {r, in}, why), checked_tensor(*file, b, {out, r}, why)});
    expected.insert({a, b});
  }
  for (const safetensors::TensorInfo& info : file->tensors())
    if (!expected.contains(info.name))
      throw Error(Location{path.string()},
                  fmt::format("tensor \"{}\" belongs to no target module of adapter_config.json (a LoRA adapter holds "
                              "only <module>.lora_A.weight and <module>.lora_B.weight)",
                              info.name));
  return weights;
}

}  // namespace tp::lora
