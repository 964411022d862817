#pragma once
// `tunepipe run`: prepares every split of the dataset, writes the tokenized data
// and a summary into the output folder, and reports to the sinks.
#include "pipeline/pipeline.hpp"

namespace tp::core {

void run_pipeline(const Pipeline& pipeline);

}  // namespace tp::core
