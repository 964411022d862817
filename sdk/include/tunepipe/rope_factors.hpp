#pragma once
// Llama 3.1's RoPE scaling as llama.cpp stores it: one factor per rotary
// frequency (rope_freqs.weight; frequency i is divided by factor i), and back
// from such factors to the scaling of an HF config.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "tunepipe/causal_lm.hpp"

namespace tp {

// The head_dim / 2 factors of a "llama3" scaling: `factor` for wavelengths longer than original_max / low_freq_factor,
// 1 for those shorter than original_max / high_freq_factor, blended between, as transformers computes them.
std::vector<double> llama3_rope_factors(const RopeScaling& scaling, std::int64_t head_dim, double theta);

// The "llama3" scaling whose factors these are (within 1e-5 relative), an empty type when they are all 1; nullopt
// when no Llama 3.1 scaling gives them. Of original_max_position_embeddings and the two frequency factors only
// their ratios show in the factors: the result states 8192 (Llama 3.1's) and the factors that give these ratios.
std::optional<RopeScaling> llama3_scaling_of(std::span<const float> factors, std::int64_t head_dim, double theta);

}  // namespace tp
