#pragma once
// The P-tuning keys of adapter_config.json (peft's PromptEncoderConfig).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "adapter_config_file.hpp"

namespace tp::p_tuning {

inline constexpr const char* kPeftType = "P_TUNING";

struct PTuningConfig {
  std::string reparameterization = "MLP";  // encoder_reparameterization_type: "MLP" or "LSTM"
  std::int64_t hidden_size = 0;            // encoder_hidden_size
  std::int64_t num_layers = 2;             // encoder_num_layers (LSTM layers; MLP always has two hidden layers)
  double dropout = 0.0;                    // encoder_dropout (between LSTM layers)

  void add_to(nlohmann::json& config) const;
};

// `token_dim` is what an absent encoder_hidden_size means, as in peft.
PTuningConfig read_p_tuning_config(const prompt::AdapterConfigFile& file, std::int64_t token_dim);

}  // namespace tp::p_tuning
