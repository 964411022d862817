#pragma once
// The base of every stage and what the runtime hands a stage when it is made.
#include <cstdint>
#include <filesystem>
#include <string>

#include "tunepipe/event.hpp"
#include "tunepipe/ranks.hpp"

namespace tp {

class ModelStage;

struct StageContext {
  std::string pipeline_name;
  std::filesystem::path output_dir;
  std::uint64_t seed = 42;
  EventEmitter* events = nullptr;  // never null while a pipeline runs
  // The run continues from a checkpoint (`run --resume`): sinks append to
  // what the interrupted run wrote instead of starting afresh.
  bool resuming = false;
  // The pipeline's model, for the stages made after it (a template reads the
  // model's own chat template and tokens); null where there is no model
  // (`tunepipe render`).
  const ModelStage* model = nullptr;
  // Where this process stands in a data-parallel run (one process: rank 0 of 1).
  Ranks ranks;
};

class Stage {
 public:
  virtual ~Stage() = default;
};

}  // namespace tp
