#pragma once
// The base of every stage and what the runtime hands a stage when it is made.
#include <cstdint>
#include <filesystem>
#include <string>

#include "tunepipe/event.hpp"

namespace tp {

struct StageContext {
  std::string pipeline_name;
  std::filesystem::path output_dir;
  std::uint64_t seed = 42;
  EventEmitter* events = nullptr;  // never null while a pipeline runs
  // The run continues from a checkpoint (`run --resume`): sinks append to
  // what the interrupted run wrote instead of starting afresh.
  bool resuming = false;
};

class Stage {
 public:
  virtual ~Stage() = default;
};

}  // namespace tp
