#pragma once
// The model stage for a model path given on the command line, from the plugin
// that reads what the path holds: a checkpoint folder (`hf`) or a GGUF file
// (`gguf`).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tunepipe/model.hpp"

namespace tp::core {

// "gguf" for a GGUF file, "hf" for a checkpoint folder; throws tp::Error
// naming the path when it is neither.
std::string model_plugin_for(const std::filesystem::path& path);

struct OpenedModelStage {
  std::string plugin;
  std::unique_ptr<ModelStage> stage;
};

// The stage with path=`path` and the further `assignments` ("dtype=bf16", …).
OpenedModelStage open_model_stage(const std::filesystem::path& path, std::vector<std::string> assignments = {});

}  // namespace tp::core
