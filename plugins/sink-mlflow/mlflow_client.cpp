#include "mlflow_client.hpp"

#include <fmt/format.h>

#include "artifact_location.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/json_input.hpp"

namespace tp::mlflow {
namespace {

// The server's JSON error (error_code and message; FastAPI routes say
// "detail") or, failing that, the start of the body.
std::string error_text(const HttpResponse& response) {
  const std::optional<nlohmann::json> json = try_parse_json(response.body);
  if (json && json->is_object()) {
    if (json->contains("message") && (*json)["message"].is_string())
      return fmt::format("{}: {}", json->value("error_code", "error"), (*json)["message"].get<std::string>());
    if (json->contains("detail")) return (*json)["detail"].dump();
  }
  return response.body.substr(0, 300);
}

void check(const std::string& url, const HttpResponse& response) {
  if (response.status >= 200 && response.status < 300) return;
  throw Error(Location{url}, fmt::format("the MLflow tracking server answered HTTP {}: {}", response.status,
                                         error_text(response)));
}

nlohmann::json parse_answer(const std::string& url, const HttpResponse& response) {
  check(url, response);
  std::optional<nlohmann::json> json = try_parse_json(response.body);
  if (!json)
    throw Error(Location{url}, "the answer is not JSON: is tracking_uri the address of an MLflow tracking server?");
  return std::move(*json);
}

std::string dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

MlflowClient::MlflowClient(std::string tracking_uri, HttpClient http)
    : tracking_uri_(std::move(tracking_uri)), http_(std::move(http)) {
  while (!tracking_uri_.empty() && tracking_uri_.back() == '/') tracking_uri_.pop_back();
}

std::string MlflowClient::api_url(std::string_view endpoint) const {
  return fmt::format("{}/api/2.0/mlflow/{}", tracking_uri_, endpoint);
}

nlohmann::json MlflowClient::post(std::string_view endpoint, const nlohmann::json& body) {
  const std::string url = api_url(endpoint);
  return parse_answer(url, http_.post_json(url, dump(body)));
}

std::string MlflowClient::experiment_id(const std::string& name) {
  const std::string url = api_url("experiments/get-by-name?experiment_name=" + HttpClient::escape(name));
  for (int attempt = 0; attempt < 2; ++attempt) {
    const HttpResponse found = http_.get(url);
    if (found.status != 404) {
      const nlohmann::json experiment = parse_answer(url, found).at("experiment");
      if (experiment.value("lifecycle_stage", "active") == "deleted")
        throw Error(Location{url}, fmt::format("the experiment \"{}\" is deleted: restore it (`mlflow experiments "
                                               "restore`) or name another one with the sink's `experiment` option",
                                               name));
      return experiment.at("experiment_id").get<std::string>();
    }
    const std::string create_url = api_url("experiments/create");
    const HttpResponse created = http_.post_json(create_url, dump({{"name", name}}));
    // Another client may have created it in between: look it up again.
    if (created.status == 400 && error_text(created).starts_with("RESOURCE_ALREADY_EXISTS")) continue;
    return parse_answer(create_url, created).at("experiment_id").get<std::string>();
  }
  throw Error(Location{url}, fmt::format("the experiment \"{}\" is neither found nor created", name));
}

RunInfo MlflowClient::create_run(const std::string& experiment_id, const std::string& run_name,
                                 std::int64_t start_time_ms, const std::vector<KeyValue>& tags) {
  nlohmann::json body = {{"experiment_id", experiment_id}, {"start_time", start_time_ms}, {"tags", nlohmann::json::array()}};
  if (!run_name.empty()) body["run_name"] = run_name;
  for (const KeyValue& tag : tags) body["tags"].push_back({{"key", tag.key}, {"value", tag.value}});
  const nlohmann::json info = post("runs/create", body).at("run").at("info");
  return {experiment_id, info.at("run_id").get<std::string>(), info.at("artifact_uri").get<std::string>()};
}

void MlflowClient::log_batch(const nlohmann::json& body) { post("runs/log-batch", body); }

void MlflowClient::update_run(const std::string& run_id, const char* status, std::int64_t end_time_ms) {
  post("runs/update", {{"run_id", run_id}, {"status", status}, {"end_time", end_time_ms}});
}

void MlflowClient::upload_file(const RunInfo& run, const std::string& artifact_path, const std::filesystem::path& file) {
  const std::string url = artifact_upload_url(tracking_uri_, run.artifact_uri, artifact_path);
  check(url, http_.put_file(url, file));
}

void MlflowClient::upload_bytes(const RunInfo& run, const std::string& artifact_path, std::string_view bytes,
                                const char* content_type) {
  const std::string url = artifact_upload_url(tracking_uri_, run.artifact_uri, artifact_path);
  check(url, http_.put_bytes(url, bytes, content_type));
}

}  // namespace tp::mlflow
