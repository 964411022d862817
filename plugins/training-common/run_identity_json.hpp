#pragma once
// A checkpoint's record of the run that wrote it (trainer_state.json's
// "run_identity"), and the check that `--resume` continues only that run.
#include <nlohmann/json.hpp>

#include <string>

#include "tunepipe/trainer.hpp"

namespace tp::training {

nlohmann::json to_json(const RunIdentity& identity);

// Throws tp::Error naming the checkpoint's state file and what differs when
// `stored` (the checkpoint's "run_identity"; null in checkpoints written
// before it was recorded, which are accepted) is another run's.
void check_same_run(const nlohmann::json& stored, const RunIdentity& current, const std::string& state_file);

}  // namespace tp::training
