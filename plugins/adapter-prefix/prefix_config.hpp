#pragma once
// The prefix-tuning keys of adapter_config.json (peft's PrefixTuningConfig).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "adapter_config_file.hpp"

namespace tp::prefix {

inline constexpr const char* kPeftType = "PREFIX_TUNING";

struct PrefixConfig {
  bool prefix_projection = false;
  std::int64_t encoder_hidden_size = 0;
  std::optional<std::string> init_weights;  // null (random) or "zero"

  void add_to(nlohmann::json& config) const;
};

// `token_dim` is what an absent encoder_hidden_size means, as in peft.
PrefixConfig read_prefix_config(const prompt::AdapterConfigFile& file, std::int64_t token_dim);

}  // namespace tp::prefix
