#include "lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

namespace tp::training {

LrSchedule::LrSchedule(std::string kind, double peak, std::int64_t warmup_steps, std::int64_t total_steps)
    : kind_(std::move(kind)), peak_(peak), warmup_(warmup_steps), total_(total_steps) {}

double LrSchedule::at(std::int64_t step) const { return peak_ * factor(step); }

double LrSchedule::factor(std::int64_t step) const {
  if (kind_ == "constant") return 1.0;
  if (step < warmup_) return static_cast<double>(step) / static_cast<double>(std::max<std::int64_t>(1, warmup_));
  if (kind_ == "constant_with_warmup") return 1.0;
  const double decay_steps = static_cast<double>(std::max<std::int64_t>(1, total_ - warmup_));
  if (kind_ == "cosine") {
    const double progress = static_cast<double>(step - warmup_) / decay_steps;
    return std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * 0.5 * 2.0 * progress)));
  }
  return std::max(0.0, static_cast<double>(total_ - step) / decay_steps);  // linear
}

std::int64_t warmup_steps_for(std::int64_t warmup_steps, double warmup_ratio, std::int64_t total_steps) {
  if (warmup_steps > 0) return warmup_steps;
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(total_steps) * warmup_ratio));
}

}  // namespace tp::training
