#pragma once
// The model half of a run: the model loaded, the adapter attached, the trainer
// fed with the prepared splits, the evaluators run before and after training
// (and whenever the trainer asks).
#include <map>
#include <optional>
#include <string>

#include "pipeline/pipeline.hpp"
#include "run/data_stages.hpp"
#include "run/dataset_preparation.hpp"
#include "tunepipe/trainer.hpp"

namespace tp::core {

// Trains on the "train" split, with the eval loss on "test" when the dataset
// has one. Returns the training result, or nothing for evaluation-only runs.
std::optional<TrainingResult> run_model_stages(const Pipeline& pipeline, const StageContext& context,
                                               const DataStages& stages,
                                               std::map<std::string, PreparedSplit>& splits,
                                               const ResumeRequest& resume);

}  // namespace tp::core
