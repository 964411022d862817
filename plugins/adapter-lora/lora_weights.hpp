#pragma once
// The A and B matrices of every target: fresh, or read from a PEFT
// adapter_model.safetensors.
#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "target_selection.hpp"

namespace tp::lora {

struct LoraWeights {
  at::Tensor a;  // [r, in]
  at::Tensor b;  // [out, r]
};

// The key of a target's matrix ("lora_A" or "lora_B") in adapter_model.safetensors.
std::string peft_key(const std::string& module, const std::string& matrix);

// Fresh fp32 CPU weights from a generator seeded with `seed`, as peft
// initialises them: B zero; A kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in)
// (init "default"), or normal with std 1/r ("gaussian").
std::vector<LoraWeights> initial_weights(const std::vector<Target>& targets, std::int64_t r, const std::string& init,
                                         std::uint64_t seed);

// <dir>/adapter_model.safetensors; a missing tensor, a wrong shape or a tensor
// no target accounts for is a tp::Error naming the file and the key.
std::vector<LoraWeights> read_weights(const std::filesystem::path& dir, const std::vector<Target>& targets,
                                      std::int64_t r);

}  // namespace tp::lora
