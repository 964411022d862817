#include "weight_loader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "tunepipe/error.hpp"

namespace tp::decoder {

WeightLoader::WeightLoader(const WeightSource& source, at::TensorOptions target) : source_(source), target_(target) {}

at::Tensor WeightLoader::load(const std::string& name, const std::vector<std::int64_t>& shape) const {
  const Location where{source_.location()};
  if (!source_.contains(name))
    throw Error(where, fmt::format("tensor \"{}\" is missing (expected shape [{}] from {})", source_.display_name(name),
                                   fmt::join(shape, ", "), source_.shapes_from()));
  const at::Tensor stored = source_.tensor(name);
  if (stored.sizes().vec() != shape)
    throw Error(where, fmt::format("tensor \"{}\" has shape [{}]; {} implies [{}]", source_.display_name(name),
                                   fmt::join(stored.sizes(), ", "), source_.shapes_from(), fmt::join(shape, ", ")));
  if (!at::isFloatingType(stored.scalar_type()))
    throw Error(where, fmt::format("tensor \"{}\" holds {} values; a floating-point weight is expected",
                                   source_.display_name(name), c10::toString(stored.scalar_type())));
  require_finite(name, stored);
  return stored.to(target_, /*non_blocking=*/false, /*copy=*/true);
}

// NaN or infinity in a weight makes every logit NaN: generation then answers
// nothing and training reports NaN losses, neither with an error. min and max
// take one vectorised pass (a twentieth of the copy above) and carry NaN; an
// infinity is one of them. aminmax has no float8 kernel: those are not checked.
void WeightLoader::require_finite(const std::string& name, const at::Tensor& stored) const {
  const at::ScalarType type = stored.scalar_type();
  const bool checkable = type == at::kFloat || type == at::kBFloat16 || type == at::kHalf || type == at::kDouble;
  if (!checkable || stored.numel() == 0) return;
  const auto [low, high] = at::aminmax(stored);
  if (std::isfinite(low.item<double>()) && std::isfinite(high.item<double>())) return;
  throw Error(Location{source_.file_of(name)},
              fmt::format("tensor \"{}\" holds NaN or infinite values: the checkpoint is damaged",
                          source_.display_name(name)));
}

at::Tensor WeightLoader::load_if(bool present, const std::string& name, const std::vector<std::int64_t>& shape) const {
  return present ? load(name, shape) : at::Tensor();
}

AdaptableLinear WeightLoader::linear(const std::string& module, std::int64_t out, std::int64_t in, bool bias) const {
  return AdaptableLinear(load(module + ".weight", {out, in}), load_if(bias, module + ".bias", {out}));
}

}  // namespace tp::decoder
