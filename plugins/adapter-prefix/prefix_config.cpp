#include "prefix_config.hpp"

#include <fmt/format.h>

namespace tp::prefix {

void PrefixConfig::add_to(nlohmann::json& config) const {
  config["prefix_projection"] = prefix_projection;
  config["encoder_hidden_size"] = encoder_hidden_size;
  config["init_weights"] = init_weights ? nlohmann::json(*init_weights) : nlohmann::json(nullptr);
}

PrefixConfig read_prefix_config(const prompt::AdapterConfigFile& file, std::int64_t token_dim) {
  PrefixConfig config;
  config.prefix_projection = file.flag("prefix_projection", false);
  config.encoder_hidden_size = file.integer("encoder_hidden_size", token_dim);
  if (config.encoder_hidden_size < 1) file.fail("\"encoder_hidden_size\" must be at least 1");
  config.init_weights = file.string("init_weights");
  if (config.init_weights && *config.init_weights != "zero")
    file.fail(fmt::format("\"init_weights\" is \"{}\": peft knows only null and \"zero\"", *config.init_weights));
  return config;
}

}  // namespace tp::prefix
