#pragma once
// Scalars as CSV rows in the long layout — step, name, value, wall_time, one
// row per value — rather than one column per metric: the metrics of a run are
// not known when its first row is written (evaluators and later stages add
// names), so a wide header would have to be rewritten; long rows only ever
// append, and pivot into a wide table in one call (pandas `pivot`).
// Tables go to a CSV file each. A resumed run appends to the scalars file.
#include <filesystem>
#include <fstream>
#include <optional>

#include "tunepipe/options.hpp"
#include "tunepipe/sink.hpp"

namespace tp::sinks {

class CsvSink : public SinkStage {
 public:
  CsvSink(const Options& options, const StageContext& context);
  static OptionSchema schema();
  void on_event(const Event& event) override;
  void close(RunOutcome outcome) override;

 private:
  void write_scalar(const Event& event);
  void write_table(const Event& event) const;

  std::filesystem::path path_;
  std::optional<std::filesystem::path> tables_dir_;
  std::ofstream out_;
};

}  // namespace tp::sinks
