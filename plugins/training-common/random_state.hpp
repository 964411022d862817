#pragma once
// The default random generators training draws from (adapter dropout): the
// CPU's and, when the model is on a GPU, that device's.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

#include "named_tensors.hpp"

namespace tp::training {

void seed_generators(const at::Device& device, std::uint64_t seed);
// Their states as named uint8 tensors ("cpu", "cuda:0"), for a checkpoint.
NamedTensors generator_states(const at::Device& device);
// Puts back what generator_states gave; throws tp::Error naming `source` when
// a state is missing.
void restore_generator_states(const at::Device& device, const NamedTensors& states, const std::string& source);

}  // namespace tp::training
