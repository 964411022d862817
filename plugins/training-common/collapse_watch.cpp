#include "collapse_watch.hpp"

#include <fmt/format.h>

#include <cmath>

namespace tp::training {
namespace {

// Below this the gradient carries nothing: in fp32 a saturated softmax gives exact zeros.
constexpr double kZeroGradNorm = 1e-12;

}  // namespace

CollapseWatch::CollapseWatch(std::int64_t patience, std::int64_t vocab_size)
    : patience_(patience), uniform_loss_(vocab_size > 0 ? std::log(static_cast<double>(vocab_size)) : 0.0) {}

std::optional<std::string> CollapseWatch::observe(std::int64_t step, double loss, double grad_norm,
                                                  std::int64_t trained_tokens) {
  if (patience_ <= 0 || trained_tokens == 0) return std::nullopt;
  if (grad_norm > kZeroGradNorm) {
    zero_steps_ = 0;
    return std::nullopt;
  }
  if (zero_steps_++ == 0) first_zero_step_ = step;
  if (zero_steps_ != patience_) return std::nullopt;
  const bool uniform = uniform_loss_ > 0 && std::abs(loss - uniform_loss_) < 0.01 * uniform_loss_;
  return fmt::format("the gradient norm has been 0 for {} steps (since step {}) with the loss at {:.4f}{}: the "
                     "run has collapsed, most likely after a too large update (lower learning_rate, keep "
                     "max_grad_norm, or add warmup)",
                     zero_steps_, first_zero_step_, loss,
                     uniform ? fmt::format(", the uniform distribution's ln({:.0f}) = {:.4f}", std::exp(uniform_loss_),
                                           uniform_loss_)
                             : std::string());
}

}  // namespace tp::training
