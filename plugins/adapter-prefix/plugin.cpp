#include "prefix_stage.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::AdapterStage, "prefix", "0.1.0",
                "prefix tuning (P-tuning v2): a trained key/value prefix in every attention layer, in PEFT's format",
                tp::prefix::PrefixStage)
