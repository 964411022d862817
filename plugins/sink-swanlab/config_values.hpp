#pragma once
// The value a parameter shows in SwanLab's config. Parameters are text: the
// pipeline's own are written as in the pipeline file (5e-3, "chatml",
// ["q_proj"], { input = "…" }), a stage's as plain text ("1200"). A text that
// spells one TOML value becomes that value, typed, so SwanLab shows numbers as
// numbers and compares runs by them; any other text stays text.
#include <string_view>

#include <nlohmann/json.hpp>

namespace tp::sinks::swanlab {

nlohmann::json config_value(std::string_view text);

}  // namespace tp::sinks::swanlab
