#include "training_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "tunepipe/event_names.hpp"

namespace tp::sinks {

namespace {

std::optional<std::int64_t> integer_param(const Event& event, const std::string& key) {
  for (const auto& [name, value] : event.params)
    if (name == key) return std::stoll(value);
  return std::nullopt;
}

// "0:42", "12:03", "1:02:03"
std::string clock(double seconds) {
  const auto total = static_cast<std::int64_t>(std::max(0.0, std::round(seconds)));
  const std::int64_t h = total / 3600, m = total / 60 % 60, s = total % 60;
  return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, s) : fmt::format("{}:{:02}", m, s);
}

}  // namespace

void TrainingProgress::start(const Event& plan) {
  total_steps_ = integer_param(plan, "total_steps");
  start_step_ = integer_param(plan, "start_step").value_or(0);
  step_ = start_step_;
  start_time_ = step_time_ = plan.wall_time;
  loss_ = learning_rate_ = tokens_per_s_ = std::nullopt;
}

bool TrainingProgress::shows(const Event& event) {
  return event.kind == Event::Kind::Scalar && event.stage == "trainer" &&
         (event.name.starts_with(events::kTrainPrefix) || event.name.starts_with(events::kMemoryPrefix));
}

bool TrainingProgress::update(const Event& scalar) {
  bool changed = scalar.step != step_;
  if (changed) step_time_ = scalar.wall_time;
  step_ = scalar.step;
  for (auto [name, value] : {std::pair{events::kTrainLoss, &loss_}, std::pair{events::kTrainLearningRate, &learning_rate_},
                             std::pair{events::kTrainTokensPerSecond, &tokens_per_s_}})
    if (scalar.name == name) {
      *value = scalar.value;
      changed = true;
    }
  return changed;
}

std::string TrainingProgress::render(double now, std::size_t columns) const {
  const std::int64_t total = std::max<std::int64_t>(total_steps_.value_or(0), 1);
  const double done = std::clamp(static_cast<double>(step_) / static_cast<double>(total), 0.0, 1.0);
  std::string values = fmt::format(" {:3.0f}%", 100.0 * done);
  if (loss_) values += fmt::format("  loss {:.4f}", *loss_);
  if (learning_rate_) values += fmt::format("  lr {:.2e}", *learning_rate_);
  if (tokens_per_s_) values += fmt::format("  {:.0f} tok/s", *tokens_per_s_);
  // The rate so far, from the steps this run has made (a resumed run starts at start_step).
  const double elapsed = now - start_time_;
  const std::int64_t steps_made = step_ - start_step_;
  const std::string left = steps_made > 0 ? clock((step_time_ - start_time_) / static_cast<double>(steps_made) *
                                                  static_cast<double>(total - step_) - (now - step_time_))
                                          : "?";
  values += fmt::format("  {}<{}", clock(elapsed), left);

  const std::string head = fmt::format("step {}/{} ", step_, total);
  const std::size_t room = columns > head.size() + values.size() + 2 ? columns - head.size() - values.size() - 2 : 0;
  const std::size_t width = std::min<std::size_t>(room, 30);
  std::string line = head;
  if (width >= 10) {
    const auto filled = static_cast<std::size_t>(done * static_cast<double>(width));
    std::string bar(filled, '=');
    if (filled < width) bar += '>' + std::string(width - filled - 1, ' ');
    line += "[" + bar + "]";
  }
  line += values;
  if (line.size() >= columns && columns > 0) line.resize(columns - 1);  // a wrapped line could not be redrawn in place
  return line;
}

}  // namespace tp::sinks
