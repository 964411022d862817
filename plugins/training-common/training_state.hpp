#pragma once
// Where a run is: what a checkpoint's trainer_state.json records so that a
// resumed run continues exactly where the saved one was.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "lr_schedule.hpp"

namespace tp::training {

// Steps trained since the last report.
struct LogWindow {
  double loss_sum = 0.0;  // of the steps' losses
  std::int64_t steps = 0;
  std::int64_t tokens = 0;
  double seconds = 0.0;
};

struct TrainingState {
  std::int64_t global_step = 0;
  std::int64_t epoch = 0;         // the epoch in progress, from 0
  std::int64_t batches_done = 0;  // its micro-batches already trained
  std::uint64_t data_seed = 0;    // epoch e's order is drawn with data_seed + e
  std::int64_t train_rows = 0;    // the order is of this many rows
  // Rows of a micro-batch over all ranks (batch_size × ranks): what batches_done counts in. 0: not recorded.
  std::int64_t global_batch_rows = 0;
  LogWindow window;
  nlohmann::json log_history = nlohmann::json::array();  // every report, as in HF's trainer_state.json
};

nlohmann::json to_json(const TrainingState& state, const LrSchedule& schedule, double epoch_progress);
// Throw tp::Error naming `source` when a field is missing or mistyped.
TrainingState state_from_json(const nlohmann::json& json, const std::string& source);
LrSchedule schedule_from_json(const nlohmann::json& json, const std::string& source);

}  // namespace tp::training
