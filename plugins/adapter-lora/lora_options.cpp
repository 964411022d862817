#include "lora_options.hpp"

namespace tp::lora {
namespace {

// As in peft: a string is a regex (or "all-linear"), a list holds names.
TargetSpec target_spec(const Options& options) {
  const Value& value = options.get("target_modules");
  if (const auto* text = std::get_if<std::string>(&value)) return target_spec_from_string(*text);
  return target_spec_from_names(options.get_strings("target_modules"));
}

}  // namespace

OptionSchema lora_schema() {
  OptionSchema schema;
  schema.add(int_option("r", 8, "rank of the update B·A")).range(1, std::nullopt);
  schema.add(float_option("alpha", 8.0, "lora_alpha: the update is scaled by alpha / r (alpha / √r with use_rslora)"))
      .range(0, std::nullopt);
  schema.add(float_option("dropout", 0.0, "lora_dropout: dropout on the adapter's input while training")).range(0, 1);
  schema.add(flag_option("use_rslora", false, "rank-stabilised LoRA: scale by alpha / √r instead of alpha / r"));
  schema.add(string_or_list_option("target_modules", Value{std::vector<std::string>{"q_proj", "v_proj"}},
                                   "projections to adapt, as peft's target_modules: a list of names matched against "
                                   "the module name or its end (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, "
                                   "down_proj), \"all-linear\" for every projection except lm_head, or one string: a "
                                   "regex the whole module name must match"));
  schema.add(int_list_option("layers", std::vector<std::int64_t>{},
                             "indices of the decoder layers to adapt (peft's layers_to_transform); empty: every layer"));
  schema.add(string_option("init", "default",
                           "\"default\" (A kaiming-uniform, B zero, as peft), \"gaussian\" (A normal with std 1/r, B "
                           "zero), or a PEFT adapter folder whose weights are copied (its r and targets must equal "
                           "these options); random draws follow the pipeline's seed"));
  return schema;
}

void validate_lora_options(const Options& options, Diagnostics& errors) {
  const TargetSpec targets = target_spec(options);
  if (const std::string problem = target_spec_problem(targets); !problem.empty())
    errors.error(options.location("target_modules"), options.context() + "\"target_modules\": " + problem);
  const auto& layers = options.get_ints("layers");
  for (const std::int64_t layer : layers)
    if (layer < 0)
      errors.error(options.location("layers"),
                   options.context() + "\"layers\": " + std::to_string(layer) + " is not a layer index (0, 1, …)");
  if (!layers.empty() && targets.kind != TargetSpec::Kind::Names)
    errors.error(options.location("layers"),
                 options.context() + "\"layers\" cannot be combined with all-linear or a regex target, as in peft");
}

LoraConfig config_from_options(const Options& options) {
  LoraConfig config;
  config.r = options.get_int("r");
  config.alpha = options.get_float("alpha");
  config.dropout = options.get_float("dropout");
  config.use_rslora = options.get_bool("use_rslora");
  config.targets = target_spec(options);
  if (const auto& layers = options.get_ints("layers"); !layers.empty()) config.layers = layers;
  const std::string& init = options.get_string("init");
  config.init_lora_weights = init == "gaussian" ? nlohmann::json("gaussian") : nlohmann::json(true);
  return config;
}

bool init_is_folder(const std::string& init) { return init != "default" && init != "gaussian"; }

}  // namespace tp::lora
