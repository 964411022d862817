#pragma once
// Learning rate per optimizer step, as transformers' get_linear / cosine /
// constant(_with_warmup) schedules under torch's LambdaLR.
#include <cstdint>
#include <string>

namespace tp::training {

class LrSchedule {
 public:
  // `kind`: "linear", "cosine", "constant" or "constant_with_warmup".
  LrSchedule(std::string kind, double peak, std::int64_t warmup_steps, std::int64_t total_steps);

  // The rate the optimizer step numbered `step` (0 for the first) uses.
  double at(std::int64_t step) const;

  const std::string& kind() const { return kind_; }
  double peak() const { return peak_; }
  std::int64_t warmup_steps() const { return warmup_; }
  std::int64_t total_steps() const { return total_; }
  bool operator==(const LrSchedule&) const = default;

 private:
  double factor(std::int64_t step) const;
  std::string kind_;
  double peak_;
  std::int64_t warmup_;
  std::int64_t total_;
};

// transformers' get_warmup_steps: explicit steps, else the ratio of all steps rounded up.
std::int64_t warmup_steps_for(std::int64_t warmup_steps, double warmup_ratio, std::int64_t total_steps);

}  // namespace tp::training
