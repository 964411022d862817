#pragma once
// Splits what is to be logged into runs/log-batch request bodies that stay
// within the tracking server's limits.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tp::mlflow {

struct Metric {
  std::string key;
  double value = 0.0;
  std::int64_t timestamp_ms = 0;
  std::int64_t step = 0;
};

struct KeyValue {
  std::string key;
  std::string value;
};

struct BatchLimits {
  std::size_t metrics = 1000;
  std::size_t params = 100;
  std::size_t tags = 100;
  std::size_t entries = 1000;          // metrics, params and tags together
  std::size_t bytes = 1'000'000 - 1024;  // the JSON body; the server allows 1e6
};

// The bodies, in order: metrics keep their order, so a series arrives step by step.
std::vector<nlohmann::json> log_batch_bodies(const std::string& run_id, const std::vector<Metric>& metrics,
                                             const std::vector<KeyValue>& params, const std::vector<KeyValue>& tags,
                                             const BatchLimits& limits = {});

// A metric value as MLflow's JSON takes it: non-finite values as the strings
// "NaN", "Infinity" and "-Infinity".
nlohmann::json metric_value(double value);

}  // namespace tp::mlflow
