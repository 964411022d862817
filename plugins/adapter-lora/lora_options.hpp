#pragma once
// The stage's options: their keys, their schema, their checks, and the LoraConfig they describe.
#include "lora_config.hpp"
#include "tunepipe/option_key.hpp"
#include "tunepipe/options.hpp"

namespace tp::lora {

namespace keys {

inline const auto r = int_key("r", 8, "rank of the update B·A").range(1, std::nullopt);
inline const auto alpha =
    float_key("alpha", 8.0, "lora_alpha: the update is scaled by alpha / r (alpha / √r with use_rslora)")
        .range(0, std::nullopt);
inline const auto dropout =
    float_key("dropout", 0.0, "lora_dropout: dropout on the adapter's input while training").range(0, 1);
inline const auto use_rslora =
    flag_key("use_rslora", false, "rank-stabilised LoRA: scale by alpha / √r instead of alpha / r");
inline const auto target_modules = string_or_list_key(
    "target_modules", Value{std::vector<std::string>{"q_proj", "v_proj"}},
    "projections to adapt, as peft's target_modules: a list of names matched against the module name or its end "
    "(q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj), \"all-linear\" for every projection except "
    "lm_head, or one string: a regex the whole module name must match");
inline const auto layers =
    int_list_key("layers", std::vector<std::int64_t>{},
                 "indices of the decoder layers to adapt (peft's layers_to_transform); empty: every layer");
inline const auto init = string_key(
    "init", "default",
    "\"default\" (A kaiming-uniform, B zero, as peft), \"gaussian\" (A normal with std 1/r, B zero), or a PEFT "
    "adapter folder whose weights are copied (its r and targets must equal these options); random draws follow the "
    "pipeline's seed");

}  // namespace keys

OptionSchema lora_schema();
void validate_lora_options(const Options& options, Diagnostics& errors);
// Options already validated.
LoraConfig config_from_options(const Options& options);

// "default" and "gaussian" initialise; any other `init` is a PEFT adapter folder.
bool init_is_folder(const std::string& init);

}  // namespace tp::lora
