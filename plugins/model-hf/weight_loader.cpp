#include "weight_loader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tunepipe/error.hpp"

namespace tp::hf {

WeightLoader::WeightLoader(const safetensors::Checkpoint& checkpoint, at::TensorOptions target)
    : checkpoint_(checkpoint), target_(target) {}

at::Tensor WeightLoader::load(const std::string& name, const std::vector<std::int64_t>& shape) const {
  const Location where{checkpoint_.dir().string()};
  if (!checkpoint_.contains(name))
    throw Error(where, fmt::format("tensor \"{}\" is missing (expected shape [{}] from config.json)", name,
                                   fmt::join(shape, ", ")));
  const at::Tensor stored = checkpoint_.tensor(name);
  if (stored.sizes().vec() != shape)
    throw Error(where, fmt::format("tensor \"{}\" has shape [{}]; config.json implies [{}]", name,
                                   fmt::join(stored.sizes(), ", "), fmt::join(shape, ", ")));
  if (!at::isFloatingType(stored.scalar_type()))
    throw Error(where, fmt::format("tensor \"{}\" holds {} values; a floating-point weight is expected", name,
                                   c10::toString(stored.scalar_type())));
  return stored.to(target_, /*non_blocking=*/false, /*copy=*/true);
}

at::Tensor WeightLoader::load_if(bool present, const std::string& name, const std::vector<std::int64_t>& shape) const {
  return present ? load(name, shape) : at::Tensor();
}

AdaptableLinear WeightLoader::linear(const std::string& module, std::int64_t out, std::int64_t in, bool bias) const {
  return AdaptableLinear(load(module + ".weight", {out, in}), load_if(bias, module + ".bias", {out}));
}

}  // namespace tp::hf
