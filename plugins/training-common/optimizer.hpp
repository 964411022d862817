#pragma once
// AdamW as torch.optim.AdamW(fused=True) computes it (transformers' default
// optimizer), and gradient clipping as torch.nn.utils.clip_grad_norm_.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "named_tensors.hpp"

namespace tp::training {

struct AdamWSettings {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0.0;
};

class AdamW {
 public:
  // Weight decay applies to every parameter except biases and norm weights,
  // chosen by name as transformers' get_decay_parameter_names does.
  AdamW(NamedTensors parameters, AdamWSettings settings);

  void step(double learning_rate);
  void zero_grad();
  std::int64_t steps() const { return steps_; }

  // "<parameter>.exp_avg" and "<parameter>.exp_avg_sq" for every parameter.
  NamedTensors state() const;
  // Puts back what state() gave after `steps` steps; throws tp::Error naming
  // `source` when a moment is missing or shaped for another parameter.
  void load_state(const NamedTensors& moments, std::int64_t steps, const std::string& source);

 private:
  struct Slot {
    std::string name;
    at::Tensor parameter, exp_avg, exp_avg_sq;
    at::Tensor step;  // float, on the parameter's device, as the fused kernel wants it
    bool decays = true;
  };
  std::vector<Slot> slots_;
  AdamWSettings settings_;
  std::int64_t steps_ = 0;
};

// Scales the gradients so their global L2 norm is at most max_norm (when
// max_norm > 0) and returns the norm before clipping.
double clip_grad_norm(const NamedTensors& parameters, double max_norm);

}  // namespace tp::training
