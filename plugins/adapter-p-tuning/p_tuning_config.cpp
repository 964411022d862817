#include "p_tuning_config.hpp"

#include <fmt/format.h>

namespace tp::p_tuning {

void PTuningConfig::add_to(nlohmann::json& config) const {
  config["encoder_reparameterization_type"] = reparameterization;
  config["encoder_hidden_size"] = hidden_size;
  config["encoder_num_layers"] = num_layers;
  config["encoder_dropout"] = dropout;
}

PTuningConfig read_p_tuning_config(const prompt::AdapterConfigFile& file, std::int64_t token_dim) {
  PTuningConfig config;
  config.reparameterization = file.string("encoder_reparameterization_type").value_or("MLP");
  if (config.reparameterization != "MLP" && config.reparameterization != "LSTM")
    file.fail(fmt::format("\"encoder_reparameterization_type\" is \"{}\", not \"MLP\" or \"LSTM\"",
                          config.reparameterization));
  config.hidden_size = file.integer("encoder_hidden_size", token_dim);
  config.num_layers = file.integer("encoder_num_layers", 2);
  config.dropout = file.number("encoder_dropout", 0.0);
  if (config.hidden_size < 1) file.fail("\"encoder_hidden_size\" must be at least 1");
  if (config.num_layers < 1) file.fail("\"encoder_num_layers\" must be at least 1");
  if (config.dropout < 0 || config.dropout >= 1) file.fail("\"encoder_dropout\" must be in [0, 1)");
  return config;
}

}  // namespace tp::p_tuning
