#pragma once
// The `mlflow` sink: one MLflow run per tunepipe run on a tracking server —
// hyper-parameters as params, scalars as metrics (batched), text events as
// tags, tables and the trained adapter as artifacts, and the run's end status.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "log_batches.hpp"
#include "mlflow_client.hpp"
#include "tunepipe/options.hpp"
#include "tunepipe/sink.hpp"

namespace tp::sinks {

class MlflowSink : public SinkStage {
 public:
  MlflowSink(const Options& options, const StageContext& context);
  static OptionSchema schema();
  static void validate(const Options& options, Diagnostics& diagnostics);
  void on_event(const Event& event) override;
  void close(RunOutcome outcome) override;

 private:
  void start_run(double start_time);
  void add_params(const Event& event);
  void upload_adapter(const std::filesystem::path& folder);
  void upload_table(const Event& event);
  void flush();

  mlflow::MlflowClient client_;
  std::string experiment_name_;
  std::string run_name_;
  std::chrono::steady_clock::duration flush_interval_;
  bool upload_adapter_;
  bool upload_tables_;

  std::optional<mlflow::RunInfo> run_;
  bool failed_ = false;    // a request failed: close() only ends the run
  std::chrono::steady_clock::time_point last_flush_;
  std::vector<mlflow::Metric> metrics_;
  std::vector<mlflow::KeyValue> params_;
  std::map<std::string, std::string> tags_;  // one value per key: the latest
  std::map<std::string, std::string> logged_params_;
  nlohmann::json logged_tables_ = nlohmann::json::array();  // the mlflow.loggedArtifacts tag
};

}  // namespace tp::sinks
