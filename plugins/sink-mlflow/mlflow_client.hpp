#pragma once
// The MLflow tracking server's REST API (/api/2.0/mlflow/...), the calls the
// sink needs. An answer other than 200 becomes a tp::Error naming the URL,
// the HTTP status and the server's error_code and message.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "log_batches.hpp"

namespace tp::mlflow {

struct RunInfo {
  std::string experiment_id;
  std::string run_id;
  std::string artifact_uri;
};

class MlflowClient {
 public:
  MlflowClient(std::string tracking_uri, HttpClient http);

  const std::string& tracking_uri() const { return tracking_uri_; }
  // The id of the experiment named `name`, created when there is none.
  std::string experiment_id(const std::string& name);
  RunInfo create_run(const std::string& experiment_id, const std::string& run_name, std::int64_t start_time_ms,
                     const std::vector<KeyValue>& tags);
  void log_batch(const nlohmann::json& body);
  // status: "FINISHED", "FAILED", "KILLED" or "RUNNING".
  void update_run(const std::string& run_id, const char* status, std::int64_t end_time_ms);
  void upload_file(const RunInfo& run, const std::string& artifact_path, const std::filesystem::path& file);
  void upload_bytes(const RunInfo& run, const std::string& artifact_path, std::string_view bytes,
                    const char* content_type);

 private:
  nlohmann::json post(std::string_view endpoint, const nlohmann::json& body);
  std::string api_url(std::string_view endpoint) const;

  std::string tracking_uri_;
  HttpClient http_;
};

}  // namespace tp::mlflow
