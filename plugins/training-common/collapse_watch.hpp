#pragma once
// Notices a run that has collapsed without a NaN: after a far too large update
// the softmax saturates, the gradient norm is 0 step after step and the loss
// sits still (often at ln(vocab), the uniform distribution's), while the run
// would go on to its end and exit as if it had trained.
#include <cstdint>
#include <optional>
#include <string>

namespace tp::training {

class CollapseWatch {
 public:
  // patience: consecutive steps with a zero gradient norm that make a collapse
  // (0: never); vocab_size: for the uniform distribution's loss in the message.
  CollapseWatch(std::int64_t patience, std::int64_t vocab_size);
  // Takes a step's outcome (steps without trained tokens are skipped); returns
  // what happened once the run has collapsed.
  std::optional<std::string> observe(std::int64_t step, double loss, double grad_norm, std::int64_t trained_tokens);

 private:
  std::int64_t patience_;
  double uniform_loss_;
  std::int64_t zero_steps_ = 0;
  std::int64_t first_zero_step_ = 0;
};

}  // namespace tp::training
