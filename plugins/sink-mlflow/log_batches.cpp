#include "log_batches.hpp"

#include <cmath>

namespace tp::mlflow {
namespace {

class BodyBuilder {
 public:
  BodyBuilder(const std::string& run_id, const BatchLimits& limits) : run_id_(run_id), limits_(limits) { start(); }

  void add(const char* field, std::size_t limit, nlohmann::json item) {
    const std::size_t size = item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() + 1;
    if (body_[field].size() >= limit || entries_ >= limits_.entries || bytes_ + size > limits_.bytes) finish();
    body_[field].push_back(std::move(item));
    ++entries_;
    bytes_ += size;
  }

  std::vector<nlohmann::json> take() {
    finish();
    return std::move(bodies_);
  }

 private:
  void start() {
    body_ = {{"run_id", run_id_}, {"metrics", nlohmann::json::array()}, {"params", nlohmann::json::array()},
             {"tags", nlohmann::json::array()}};
    entries_ = 0;
    bytes_ = body_.dump().size();
  }
  void finish() {
    if (entries_ > 0) bodies_.push_back(std::move(body_));
    start();
  }

  const std::string& run_id_;
  const BatchLimits& limits_;
  nlohmann::json body_;
  std::size_t entries_ = 0;
  std::size_t bytes_ = 0;
  std::vector<nlohmann::json> bodies_;
};

}  // namespace

nlohmann::json metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

std::vector<nlohmann::json> log_batch_bodies(const std::string& run_id, const std::vector<Metric>& metrics,
                                             const std::vector<KeyValue>& params, const std::vector<KeyValue>& tags,
                                             const BatchLimits& limits) {
  BodyBuilder builder(run_id, limits);
  for (const KeyValue& param : params) builder.add("params", limits.params, {{"key", param.key}, {"value", param.value}});
  for (const KeyValue& tag : tags) builder.add("tags", limits.tags, {{"key", tag.key}, {"value", tag.value}});
  for (const Metric& metric : metrics)
    builder.add("metrics", limits.metrics,
                {{"key", metric.key},
                 {"value", metric_value(metric.value)},
                 {"timestamp", metric.timestamp_ms},
                 {"step", metric.step}});
  return builder.take();
}

}  // namespace tp::mlflow
