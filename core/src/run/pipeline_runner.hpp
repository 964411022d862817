#pragma once
// `tunepipe run`: prepares every split of the dataset, writes the tokenized data
// and a summary into the output folder, trains the adapter when the pipeline
// has a trainer, and reports to the sinks.
#include "pipeline/pipeline.hpp"
#include "tunepipe/trainer.hpp"

namespace tp::core {

struct RunSettings {
  ResumeRequest resume;
  bool data_only = false;  // stop after the data splits are written
  bool overwrite = false;  // a fresh run may delete an earlier run's checkpoints and adapter
  // Continue from the latest complete checkpoint when the output folder has
  // one, else start afresh: one command for a run and its restarts.
  bool resume_if_any = false;
};

void run_pipeline(const Pipeline& pipeline, const RunSettings& settings = {});

}  // namespace tp::core
