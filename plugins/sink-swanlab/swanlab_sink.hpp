#pragma once
// The `swanlab` sink: the run as the folder SwanLab's SDK (0.10) writes in
// offline mode, which `swanlab sync` uploads to SwanLab's cloud or a private
// deployment later. Hyper-parameters become the run's config, scalars its
// charts, tables ECharts tables (as swanlab.echarts.Table), text events lines
// of its terminal log, and the run's end its state: finished, crashed (with
// the error) or aborted. Each record is flushed as it is written, so a killed
// run keeps what it logged (sync marks a run without an end as crashed).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config_yaml.hpp"
#include "media_files.hpp"
#include "record_log.hpp"
#include "run_folder.hpp"
#include "run_id_file.hpp"
#include "swanlab_records.hpp"
#include "tunepipe/options.hpp"
#include "tunepipe/sink.hpp"

namespace tp::sinks {

class SwanLabSink : public SinkStage {
 public:
  SwanLabSink(const Options& options, const StageContext& context);
  static OptionSchema schema();
  static void validate(const Options& options, Diagnostics& diagnostics);
  void on_event(const Event& event) override;
  void close(RunOutcome outcome) override;

 private:
  void log_scalar(const Event& event);
  void log_table(const Event& event);
  void log_text(const Event& event);
  void add_params(const Event& event);
  void declare_column(const std::string& key, swanlab::ColumnType type);
  std::int64_t next_num() { return ++last_num_; }

  std::filesystem::path logdir_;
  swanlab::RunIdFile run_id_file_;
  std::optional<swanlab::RunId> resumed_;  // the run an earlier process wrote, which this one continues
  swanlab::RunId run_;
  swanlab::RunFolder folder_;
  swanlab::RecordLog records_;
  swanlab::MediaFolder media_;
  std::int64_t last_num_ = 0;
  std::set<std::string> columns_;
  std::vector<swanlab::ConfigEntry> config_;
  std::map<std::string, std::size_t> config_positions_;
};

}  // namespace tp::sinks
