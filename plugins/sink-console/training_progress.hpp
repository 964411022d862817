#pragma once
// The state of a training run as its events tell it — the trainer's plan
// (total and first step) and its latest logged step — drawn as one progress
// line: step/total, bar, percentage, loss, learning rate, tokens/s, elapsed
// time and the estimated time left.
#include <cstdint>
#include <optional>
#include <string>

#include "tunepipe/event.hpp"

namespace tp::sinks {

class TrainingProgress {
 public:
  // From the trainer's "trainer/plan" parameters (total_steps, start_step).
  void start(const Event& plan);
  bool started() const { return total_steps_.has_value(); }
  std::optional<std::int64_t> total_steps() const { return total_steps_; }

  // Whether the line shows this scalar: the trainer's train/* and memory/* values.
  static bool shows(const Event& event);
  // Returns whether the line changed (a new step, or a value it displays).
  bool update(const Event& scalar);
  bool finished() const { return started() && step_ >= *total_steps_; }

  // The line at time `now` (seconds since the epoch), at most `columns` wide.
  std::string render(double now, std::size_t columns) const;

 private:
  std::optional<std::int64_t> total_steps_;
  std::int64_t start_step_ = 0;
  std::int64_t step_ = 0;
  double start_time_ = 0.0;
  double step_time_ = 0.0;  // when step_ was logged
  std::optional<double> loss_, learning_rate_, tokens_per_s_;
};

}  // namespace tp::sinks
