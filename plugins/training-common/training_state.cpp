#include "training_state.hpp"

#include <fmt/format.h>

#include "tunepipe/error.hpp"

namespace tp::training {
namespace {

const nlohmann::json& field(const nlohmann::json& json, const char* name, const std::string& source) {
  if (!json.is_object() || !json.contains(name))
    throw Error(Location{source}, fmt::format("no \"{}\" (the checkpoint is incomplete or not one of tunepipe's)", name));
  return json.at(name);
}

template <class T>
T number(const nlohmann::json& json, const char* name, const std::string& source) {
  const nlohmann::json& value = field(json, name, source);
  if (!value.is_number()) throw Error(Location{source}, fmt::format("\"{}\" is not a number", name));
  return value.get<T>();
}

}  // namespace

nlohmann::json to_json(const TrainingState& state, const LrSchedule& schedule, double epoch_progress) {
  return {
      {"global_step", state.global_step},
      {"epoch", epoch_progress},
      {"epoch_index", state.epoch},
      {"batches_done_in_epoch", state.batches_done},
      {"data_seed", state.data_seed},
      {"train_rows", state.train_rows},
      {"global_batch_rows", state.global_batch_rows},
      {"schedule",
       {{"kind", schedule.kind()},
        {"learning_rate", schedule.peak()},
        {"warmup_steps", schedule.warmup_steps()},
        {"total_steps", schedule.total_steps()}}},
      {"log_window",
       {{"loss_sum", state.window.loss_sum},
        {"steps", state.window.steps},
        {"tokens", state.window.tokens},
        {"seconds", state.window.seconds}}},
      {"log_history", state.log_history},
  };
}

TrainingState state_from_json(const nlohmann::json& json, const std::string& source) {
  TrainingState state;
  state.global_step = number<std::int64_t>(json, "global_step", source);
  state.epoch = number<std::int64_t>(json, "epoch_index", source);
  state.batches_done = number<std::int64_t>(json, "batches_done_in_epoch", source);
  state.data_seed = number<std::uint64_t>(json, "data_seed", source);
  state.train_rows = number<std::int64_t>(json, "train_rows", source);
  if (json.contains("global_batch_rows"))
    state.global_batch_rows = number<std::int64_t>(json, "global_batch_rows", source);
  const nlohmann::json& window = field(json, "log_window", source);
  state.window.loss_sum = number<double>(window, "loss_sum", source);
  state.window.steps = number<std::int64_t>(window, "steps", source);
  state.window.tokens = number<std::int64_t>(window, "tokens", source);
  state.window.seconds = number<double>(window, "seconds", source);
  state.log_history = field(json, "log_history", source);
  return state;
}

LrSchedule schedule_from_json(const nlohmann::json& json, const std::string& source) {
  const nlohmann::json& schedule = field(json, "schedule", source);
  const nlohmann::json& kind = field(schedule, "kind", source);
  if (!kind.is_string()) throw Error(Location{source}, "\"kind\" of the schedule is not a string");
  return LrSchedule(kind.get<std::string>(), number<double>(schedule, "learning_rate", source),
                    number<std::int64_t>(schedule, "warmup_steps", source),
                    number<std::int64_t>(schedule, "total_steps", source));
}

}  // namespace tp::training
