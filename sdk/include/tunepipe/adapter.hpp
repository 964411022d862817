#pragma once
// Adapter stage: attaches trainable parameters to a model, saves and loads them
// in PEFT's on-disk format, merges them into the base weights.
#include <filesystem>

#include "tunepipe/stage.hpp"

namespace tp {

class CausalLM;  // the libtorch decoder, defined with the model runtime

class AdapterStage : public Stage {
 public:
  static constexpr const char* kind_name = "adapter";
  virtual void attach(CausalLM& model) = 0;
  virtual void save(const std::filesystem::path& dir) const = 0;
  virtual void load(const std::filesystem::path& dir) = 0;
};

}  // namespace tp
