#pragma once
// The `hf` model stage for a checkpoint folder given on the command line.
#include <memory>
#include <string>

#include "tunepipe/causal_lm.hpp"
#include "tunepipe/model.hpp"

namespace tp::core::cli {

struct LoadedModel {
  std::unique_ptr<ModelStage> stage;
  std::shared_ptr<CausalLM> model;
};

// Loads the weights; the tokenizer is read from the stage when asked for.
LoadedModel load_model(const std::string& dir, const std::string& dtype, const std::string& device);

}  // namespace tp::core::cli
