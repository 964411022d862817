#pragma once
// The identity a run's checkpoints carry (tp::RunIdentity): the seed, the
// model's plugin and path, the adapter's settings, and a digest of the train
// split's tokens (which covers the data, the template and the tokenizer).
#include "pipeline/pipeline.hpp"
#include "tunepipe/sample.hpp"
#include "tunepipe/trainer.hpp"

namespace tp::core {

RunIdentity run_identity(const Pipeline& pipeline, const std::vector<TokenizedSample>& train);

}  // namespace tp::core
