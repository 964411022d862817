#include "lora_options.hpp"

namespace tp::lora {
namespace {

// As in peft: a string is a regex (or "all-linear"), a list holds names.
TargetSpec target_spec(const Options& options) {
  const Value& value = keys::target_modules.read(options);
  if (const auto* text = std::get_if<std::string>(&value)) return target_spec_from_string(*text);
  return target_spec_from_names(std::get<std::vector<std::string>>(value));
}

}  // namespace

OptionSchema lora_schema() {
  return schema_of(keys::r, keys::alpha, keys::dropout, keys::use_rslora, keys::target_modules, keys::layers,
                   keys::init);
}

void validate_lora_options(const Options& options, Diagnostics& errors) {
  const TargetSpec targets = target_spec(options);
  if (const std::string problem = target_spec_problem(targets); !problem.empty())
    errors.error(keys::target_modules.location(options), options.context() + "\"target_modules\": " + problem);
  const auto& layers = keys::layers.read(options);
  for (const std::int64_t layer : layers)
    if (layer < 0)
      errors.error(keys::layers.location(options),
                   options.context() + "\"layers\": " + std::to_string(layer) + " is not a layer index (0, 1, …)");
  if (!layers.empty() && targets.kind != TargetSpec::Kind::Names)
    errors.error(keys::layers.location(options),
                 options.context() + "\"layers\" cannot be combined with all-linear or a regex target, as in peft");
}

LoraConfig config_from_options(const Options& options) {
  LoraConfig config;
  config.r = keys::r.read(options);
  config.alpha = keys::alpha.read(options);
  config.dropout = keys::dropout.read(options);
  config.use_rslora = keys::use_rslora.read(options);
  config.targets = target_spec(options);
  if (const auto& layers = keys::layers.read(options); !layers.empty()) config.layers = layers;
  const std::string& init = keys::init.read(options);
  config.init_lora_weights = init == "gaussian" ? nlohmann::json("gaussian") : nlohmann::json(true);
  return config;
}

bool init_is_folder(const std::string& init) { return init != "default" && init != "gaussian"; }

}  // namespace tp::lora
