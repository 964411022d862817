#include "mlflow_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>

#include "mlflow_names.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/event_names.hpp"
#include "tunepipe/option_key.hpp"

namespace tp::sinks {
namespace {

using mlflow::KeyValue;

const auto kTrackingUri =
    string_key("tracking_uri", std::nullopt,
               "the MLflow tracking server, http://host:port (unset: the MLFLOW_TRACKING_URI environment "
               "variable); MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD authenticate");
const auto kExperiment =
    string_key("experiment", std::nullopt, "experiment name, created when missing (unset: the pipeline's name)");
const auto kRunName = string_key("run_name", std::nullopt, "the MLflow run's name (unset: the server picks one)");
const auto kFlushSeconds =
    float_key("flush_seconds", 5.0, "send the collected metrics at least this often").range(0.0, std::nullopt);
const auto kTimeoutSeconds =
    int_key("timeout_seconds", 30, "give up on a request that cannot connect or stalls this long").range(1, std::nullopt);
const auto kUploadAdapter =
    flag_key("upload_adapter", true, "upload the trained adapter's files as artifacts under adapter/");
const auto kUploadTables =
    flag_key("upload_tables", true, "upload each table (eval answers, data summary) as a JSON artifact");

// MLflow's RunStatus names.
const char* run_status(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::Finished: return "FINISHED";
    case RunOutcome::Interrupted: return "KILLED";
    case RunOutcome::Failed: return "FAILED";
  }
  return "FAILED";
}

bool is_http_url(std::string_view uri) { return uri.starts_with("http://") || uri.starts_with("https://"); }

std::string environment_variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string resolve_tracking_uri(const Options& options) {
  if (const auto uri = kTrackingUri.find(options)) return *uri;
  const std::string uri = environment_variable("MLFLOW_TRACKING_URI");
  if (uri.empty())
    throw Error(options.section_location(),
                fmt::format("{}no tracking server: set tracking_uri = \"http://host:port\" in the pipeline, or the "
                            "MLFLOW_TRACKING_URI environment variable",
                            options.context()));
  if (!is_http_url(uri))
    throw Error(options.section_location(),
                fmt::format("{}MLFLOW_TRACKING_URI is \"{}\": the sink talks to a tracking server, so it must be an "
                            "http:// or https:// address",
                            options.context(), uri));
  return uri;
}

std::int64_t milliseconds(double seconds) { return static_cast<std::int64_t>(std::llround(seconds * 1000.0)); }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

MlflowSink::MlflowSink(const Options& options, const StageContext& context)
    : client_(resolve_tracking_uri(options),
              mlflow::HttpClient(std::chrono::seconds(kTimeoutSeconds.read(options)),
                                 {environment_variable("MLFLOW_TRACKING_TOKEN"),
                                  environment_variable("MLFLOW_TRACKING_USERNAME"),
                                  environment_variable("MLFLOW_TRACKING_PASSWORD")})),
      experiment_name_(kExperiment.find(options).value_or(context.pipeline_name)),
      run_name_(kRunName.find(options).value_or("")),
      flush_interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(kFlushSeconds.read(options)))),
      upload_adapter_(kUploadAdapter.read(options)),
      upload_tables_(kUploadTables.read(options)),
      last_flush_(std::chrono::steady_clock::now()) {}

OptionSchema MlflowSink::schema() {
  return schema_of(kTrackingUri, kExperiment, kRunName, kFlushSeconds, kTimeoutSeconds, kUploadAdapter, kUploadTables);
}

void MlflowSink::validate(const Options& options, Diagnostics& diagnostics) {
  if (const auto uri = kTrackingUri.find(options); uri && !is_http_url(*uri))
    diagnostics.error(kTrackingUri.location(options),
                      fmt::format("{}tracking_uri \"{}\" is not an http:// or https:// address of an MLflow tracking "
                                  "server (start one with `mlflow server --host 127.0.0.1 --port 5000`)",
                                  options.context(), *uri));
}

void MlflowSink::start_run(double start_time) {
  const std::string experiment_id = client_.experiment_id(experiment_name_);
  run_ = client_.create_run(experiment_id, run_name_, milliseconds(start_time),
                            {{"mlflow.source.name", "tunepipe"}, {"mlflow.source.type", "LOCAL"}});
}

void MlflowSink::add_params(const Event& event) {
  // The pipeline's own set keeps its section.key names; another set's
  // names are prefixed with the set's name ("trainer/plan/total_steps").
  const bool pipeline_set = event.stage == events::kPipeline && event.name == events::kHyperparameters;
  for (const auto& [name, value] : event.params) {
    const std::string key = mlflow::metric_key(pipeline_set ? name : event.name + "/" + name);
    std::string text = mlflow::truncate_characters(value, mlflow::kMaxParamValueLength);
    const auto [logged, added] = logged_params_.emplace(key, text);
    if (!added && logged->second == text) continue;  // MLflow keeps a param once; the same again is no news
    params_.push_back({key, std::move(text)});
  }
}

void MlflowSink::on_event(const Event& event) {
  try {
    if (!run_) start_run(event.wall_time);
    switch (event.kind) {
      case Event::Kind::Scalar:
        metrics_.push_back({mlflow::metric_key(event.name), event.value, milliseconds(event.wall_time), event.step});
        break;
      case Event::Kind::Params: add_params(event); break;
      case Event::Kind::Text:
        tags_[mlflow::metric_key(event.name)] = mlflow::truncate_characters(event.text, mlflow::kMaxTagValueLength);
        if (event.stage == "trainer" && event.name == events::kTrainAdapter && upload_adapter_) upload_adapter(event.text);
        break;
      case Event::Kind::Table:
        if (upload_tables_) upload_table(event);
        break;
    }
    if (metrics_.size() >= 1000 || std::chrono::steady_clock::now() - last_flush_ >= flush_interval_) flush();
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void MlflowSink::flush() {
  std::vector<KeyValue> tags;
  for (const auto& [key, value] : tags_) tags.push_back({key, value});
  for (const nlohmann::json& body : mlflow::log_batch_bodies(run_->run_id, metrics_, params_, tags))
    client_.log_batch(body);
  metrics_.clear();
  params_.clear();
  tags_.clear();
  last_flush_ = std::chrono::steady_clock::now();
}

void MlflowSink::upload_adapter(const std::filesystem::path& folder) {
  if (!std::filesystem::is_directory(folder))
    throw Error(Location{folder.string()}, "the trainer reported this adapter folder, but it is not a folder");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files)
    client_.upload_file(*run_, "adapter/" + file.lexically_relative(folder).generic_string(), file);
}

void MlflowSink::upload_table(const Event& event) {
  // MLflow's own table format (mlflow.log_table): pandas' "split" layout, listed
  // in the mlflow.loggedArtifacts tag so the MLflow UI offers it as a table.
  const std::string path = fmt::format("tables/{}-step{}.json", mlflow::metric_key(event.name), event.step);
  const nlohmann::json table = {{"columns", event.columns}, {"data", event.rows}};
  client_.upload_bytes(*run_, path, table.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       "application/json");
  logged_tables_.push_back({{"path", path}, {"type", "table"}});
  tags_["mlflow.loggedArtifacts"] = logged_tables_.dump();
}

void MlflowSink::close(RunOutcome outcome) {
  if (!run_) return;  // no event arrived, or the server was never reached
  // The run's status is worth a try even when sending the rest failed (or a
  // request failed before, after which only the status is sent).
  std::exception_ptr flush_failure;
  if (!failed_) {
    try {
      flush();
    } catch (...) {
      flush_failure = std::current_exception();
    }
  }
  client_.update_run(run_->run_id, run_status(outcome), now_ms());
  if (flush_failure) std::rethrow_exception(flush_failure);
}

}  // namespace tp::sinks
