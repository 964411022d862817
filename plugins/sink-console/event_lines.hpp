#pragma once
// How the console shows events as plain text. Each function returns whole
// lines, each ending in '\n'.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tunepipe/event.hpp"

namespace tp::sinks {

// The scalars one stage reports at one step (a trainer's logging step), shown on one line.
struct ScalarGroup {
  std::string stage;
  std::int64_t step = 0;
  std::vector<std::pair<std::string, double>> values;
};

// "step 10/60  " ("step 10  " while the total is unknown; "" for step 0).
std::string step_prefix(std::int64_t step, std::optional<std::int64_t> total_steps);

std::string scalar_line(const ScalarGroup& group, std::optional<std::int64_t> total_steps);
std::string text_lines(const Event& text, std::optional<std::int64_t> total_steps);
std::string params_lines(const Event& params);
std::string table_lines(const Event& table);

}  // namespace tp::sinks
