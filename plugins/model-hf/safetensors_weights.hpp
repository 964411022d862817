#pragma once
// An HF checkpoint folder's safetensors files as the decoder's weight source.
#include "tunepipe/safetensors.hpp"
#include "weight_source.hpp"

namespace tp::hf {

class SafetensorsWeights : public decoder::WeightSource {
 public:
  explicit SafetensorsWeights(safetensors::Checkpoint checkpoint) : checkpoint_(std::move(checkpoint)) {}

  bool contains(const std::string& name) const override { return checkpoint_.contains(name); }
  at::Tensor tensor(const std::string& name) const override { return checkpoint_.tensor(name); }
  std::string file_of(const std::string& name) const override { return checkpoint_.file_of(name)->path().string(); }
  std::string location() const override { return checkpoint_.dir().string(); }
  std::string shapes_from() const override { return "config.json"; }

 private:
  safetensors::Checkpoint checkpoint_;
};

}  // namespace tp::hf
