#include "event_lines.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tp::sinks {

std::string step_prefix(std::int64_t step, std::optional<std::int64_t> total_steps) {
  if (step <= 0) return "";
  return total_steps ? fmt::format("step {}/{}  ", step, *total_steps) : fmt::format("step {}  ", step);
}

std::string scalar_line(const ScalarGroup& group, std::optional<std::int64_t> total_steps) {
  std::string line = step_prefix(group.step, total_steps);
  for (std::size_t i = 0; i < group.values.size(); ++i)
    line += fmt::format("{}{} = {:.6g}", i ? "  " : "", group.values[i].first, group.values[i].second);
  return line + "\n";
}

std::string text_lines(const Event& text, std::optional<std::int64_t> total_steps) {
  return fmt::format("{}{}: {}\n", step_prefix(text.step, total_steps), text.name, text.text);
}

std::string params_lines(const Event& params) {
  std::string lines = fmt::format("{}:\n", params.name);
  for (const auto& [key, value] : params.params) lines += fmt::format("  {} = {}\n", key, value);
  return lines;
}

std::string table_lines(const Event& table) {
  std::vector<std::size_t> widths(table.columns.size(), 0);
  auto widen = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  };
  widen(table.columns);
  for (const auto& row : table.rows) widen(row);
  auto row_line = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      line += fmt::format("{}{:<{}}", i ? "  " : "", row[i], widths[i]);
    return line + "\n";
  };
  std::string lines = fmt::format("{}:\n", table.name) + row_line(table.columns);
  for (const auto& row : table.rows) lines += row_line(row);
  return lines;
}

}  // namespace tp::sinks
