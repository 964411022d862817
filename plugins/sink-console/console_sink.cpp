#include "console_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace tp::sinks {

ConsoleSink::ConsoleSink(const Options& options, const StageContext&) : show_params_(options.get_bool("show_params")) {}

OptionSchema ConsoleSink::schema() {
  OptionSchema schema;
  schema.add(flag_option("show_params", false, "print the run's hyper-parameters when it starts"));
  return schema;
}

static void print_table(const Event& event) {
  std::vector<std::size_t> widths(event.columns.size(), 0);
  auto widen = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  };
  widen(event.columns);
  for (const auto& row : event.rows) widen(row);
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      line += fmt::format("{}{:<{}}", i ? "  " : "", row[i], widths[i]);
    fmt::print("{}\n", line);
  };
  fmt::print("{}:\n", event.name);
  print_row(event.columns);
  for (const auto& row : event.rows) print_row(row);
}

void ConsoleSink::on_event(const Event& event) {
  const std::string step = event.step > 0 ? fmt::format("step {}  ", event.step) : "";
  switch (event.kind) {
    case Event::Kind::Scalar: fmt::print("{}{} = {:.6g}\n", step, event.name, event.value); break;
    case Event::Kind::Text: fmt::print("{}{}: {}\n", step, event.name, event.text); break;
    case Event::Kind::Params:
      if (!show_params_) break;
      fmt::print("{}:\n", event.name);
      for (const auto& [key, value] : event.params) fmt::print("  {} = {}\n", key, value);
      break;
    case Event::Kind::Table: print_table(event); break;
  }
  std::fflush(stdout);
}

}  // namespace tp::sinks
