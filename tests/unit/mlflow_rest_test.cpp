// The mlflow sink's parts that need no server: MLflow's key and value rules,
// splitting log-batch requests at the server's limits, and artifact URLs.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "artifact_location.hpp"
#include "log_batches.hpp"
#include "mlflow_names.hpp"
#include "tunepipe/error.hpp"

using namespace tp::mlflow;

TEST_CASE("metric_key keeps MLflow's characters and mends path segments", "[mlflow]") {
  CHECK(metric_key("train/loss") == "train/loss");
  CHECK(metric_key("model.path") == "model.path");
  CHECK(metric_key("a-b_c: d") == "a-b_c: d");
  CHECK(metric_key("x=1,y") == "x_1_y");
  CHECK(metric_key("eval/准确率") == "eval/___");  // one "_" per character, not per byte
  CHECK(metric_key("a//b/") == "a/b");
  CHECK(metric_key("/../x/./y") == "__/x/_/y");
  CHECK(metric_key("") == "_");
  CHECK(metric_key("//") == "_");
  CHECK(metric_key(std::string(300, 'k')) == std::string(250, 'k'));
}

TEST_CASE("truncate_characters counts characters, not bytes", "[mlflow]") {
  CHECK(truncate_characters("abc", 3) == "abc");
  CHECK(truncate_characters("abcd", 3) == "ab…");
  CHECK(truncate_characters("文本分类", 4) == "文本分类");
  CHECK(truncate_characters("文本分类", 3) == "文本…");
  CHECK(truncate_characters("文本分类", 1) == "…");
  CHECK(truncate_characters("abc", 0) == "");
}

TEST_CASE("log_batch_bodies stays within the counts MLflow accepts per request", "[mlflow]") {
  std::vector<Metric> metrics;
  for (int i = 0; i < 2500; ++i) metrics.push_back({"train/loss", 1.0 / (i + 1), 1000 + i, i});
  std::vector<KeyValue> params;
  for (int i = 0; i < 150; ++i) params.push_back({"p" + std::to_string(i), "v"});
  const std::vector<KeyValue> tags = {{"a", "1"}, {"b", "2"}, {"c", "3"}};

  const auto bodies = log_batch_bodies("run-1", metrics, params, tags);
  // 100 params | 50 params + 3 tags + 947 metrics | 1000 metrics | 553 metrics.
  REQUIRE(bodies.size() == 4);
  CHECK(bodies[0]["params"].size() == 100);
  CHECK(bodies[0]["metrics"].empty());
  CHECK(bodies[1]["params"].size() == 50);
  CHECK(bodies[1]["tags"].size() == 3);
  CHECK(bodies[1]["metrics"].size() == 947);
  CHECK(bodies[2]["metrics"].size() == 1000);
  CHECK(bodies[3]["metrics"].size() == 553);
  for (const auto& body : bodies) CHECK(body["run_id"] == "run-1");
  // Order is kept across requests: the series arrives step by step.
  CHECK(bodies[1]["metrics"][0]["step"] == 0);
  CHECK(bodies[2]["metrics"][0]["step"] == 947);
  CHECK(bodies[3]["metrics"][552]["step"] == 2499);
  CHECK(bodies[3]["metrics"][552]["timestamp"] == 3499);
}

TEST_CASE("log_batch_bodies splits by size when the values are long", "[mlflow]") {
  std::vector<KeyValue> params;
  std::string chinese;
  for (int i = 0; i < 6000; ++i) chinese += "文";  // 6,000 characters, 18,000 bytes
  for (int i = 0; i < 100; ++i) params.push_back({"p" + std::to_string(i), chinese});
  const auto bodies = log_batch_bodies("r", {}, params, {});
  REQUIRE(bodies.size() == 2);
  std::size_t total = 0;
  for (const auto& body : bodies) {
    CHECK(body.dump().size() <= 1'000'000);
    total += body["params"].size();
  }
  CHECK(total == 100);
  CHECK(log_batch_bodies("r", {}, {}, {}).empty());
}

TEST_CASE("metric_value writes non-finite values as MLflow's JSON reads them", "[mlflow]") {
  CHECK(metric_value(0.5) == 0.5);
  CHECK(metric_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(metric_value(std::numeric_limits<double>::infinity()) == "Infinity");
  CHECK(metric_value(-std::numeric_limits<double>::infinity()) == "-Infinity");
}

TEST_CASE("artifact_upload_url resolves a proxied artifact root as MLflow's client does", "[mlflow]") {
  CHECK(artifact_upload_url("http://127.0.0.1:5000", "mlflow-artifacts:/1/abc/artifacts", "adapter/adapter_config.json") ==
        "http://127.0.0.1:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/adapter/adapter_config.json");
  CHECK(artifact_upload_url("https://host/mlflow/", "mlflow-artifacts:/1/abc/artifacts", "my file.bin") ==
        "https://host/mlflow/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/my%20file.bin");
  CHECK(artifact_upload_url("http://a:5000", "mlflow-artifacts://b:7000/2/r/artifacts", "t.json") ==
        "http://b:7000/api/2.0/mlflow-artifacts/artifacts/2/r/artifacts/t.json");
  CHECK(artifact_upload_url("http://a:5000", "http://b:7000/api/2.0/mlflow-artifacts/artifacts/2/r/artifacts", "x") ==
        "http://b:7000/api/2.0/mlflow-artifacts/artifacts/2/r/artifacts/x");
  CHECK_THROWS_WITH(artifact_upload_url("http://a:5000", "/tmp/mlruns/1/abc/artifacts", "x"),
                    Catch::Contains("\"/tmp/mlruns/1/abc/artifacts\" is not served by the tracking server"));
  CHECK_THROWS_AS(artifact_upload_url("http://a:5000", "s3://bucket/1/abc/artifacts", "x"), tp::Error);
}

