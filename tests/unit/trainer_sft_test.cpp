// The sft trainer and the hf model's activation checkpointing, through the
// built plugins: a tiny random Qwen2 checkpoint, a small LoRA-like test
// adapter, and references computed here with plain libtorch (full logits,
// torch's own clip_grad_norm_ and AdamW).
#include <catch2/catch.hpp>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "error_capture.hpp"
#include "plugins/plugin_registry.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/model.hpp"
#include "tunepipe/safetensors.hpp"
#include "tunepipe/stop_request.hpp"
#include "tunepipe/trainer.hpp"

// c10's logging header defines a glog-style CHECK that aborts the process;
// give the name back to Catch.
#undef CHECK
#define CHECK(...) INTERNAL_CATCH_TEST("CHECK", Catch::ResultDisposition::ContinueOnFailure, __VA_ARGS__)

namespace fs = std::filesystem;
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("tunepipe-sft-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

const tp::core::PluginRegistry& registry() {
  static const tp::core::PluginRegistry plugins = [] {
    tp::core::PluginRegistry r;
    r.add_default_search_paths();
    r.discover();
    return r;
  }();
  return plugins;
}

tp::Options make_options(const std::string& section, const tp::OptionSchema& schema,
                         const std::vector<std::pair<std::string, tp::Value>>& values) {
  tp::Options options(section, "test", tp::Location{"pipeline.toml", 1, 1});
  for (const tp::OptionSpec& spec : schema.specs())
    if (spec.default_value) options.set(spec.name, *spec.default_value, tp::Location{});
  for (const auto& [name, value] : values) options.set(name, value, tp::Location{"pipeline.toml", 2, 1});
  return options;
}

template <class StageType>
std::unique_ptr<StageType> make_stage(const char* kind, const char* name,
                                      const std::vector<std::pair<std::string, tp::Value>>& values,
                                      const tp::StageContext& context) {
  const tp::core::PluginInfo* plugin = registry().find(kind, name);
  REQUIRE(plugin != nullptr);
  std::unique_ptr<tp::Stage> stage =
      plugin->descriptor->create(make_options(kind, plugin->descriptor->schema(), values), context);
  auto* typed = dynamic_cast<StageType*>(stage.get());
  REQUIRE(typed != nullptr);
  stage.release();
  return std::unique_ptr<StageType>(typed);
}

// A Qwen2-architecture decoder small enough to train in milliseconds.
void write_tiny_qwen2(const fs::path& dir) {
  std::ofstream(dir / "config.json") << R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
    "vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 128,
    "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": false, "hidden_act": "silu",
    "eos_token_id": 1})";
  at::Generator generator = at::detail::createCPUGenerator(1234);
  auto random = [&](std::vector<std::int64_t> shape, double scale) { return at::randn(shape, generator) * scale; };
  NamedTensors weights{{"model.embed_tokens.weight", random({64, 16}, 1.0)},
                       {"lm_head.weight", random({64, 16}, 0.5)},
                       {"model.norm.weight", 1.0 + random({16}, 0.1)}};
  for (int layer = 0; layer < 2; ++layer) {
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    weights.insert(weights.end(), {{p + "input_layernorm.weight", 1.0 + random({16}, 0.1)},
                                   {p + "post_attention_layernorm.weight", 1.0 + random({16}, 0.1)},
                                   {p + "self_attn.q_proj.weight", random({16, 16}, 0.3)},
                                   {p + "self_attn.q_proj.bias", random({16}, 0.1)},
                                   {p + "self_attn.k_proj.weight", random({8, 16}, 0.3)},
                                   {p + "self_attn.k_proj.bias", random({8}, 0.1)},
                                   {p + "self_attn.v_proj.weight", random({8, 16}, 0.3)},
                                   {p + "self_attn.v_proj.bias", random({8}, 0.1)},
                                   {p + "self_attn.o_proj.weight", random({16, 16}, 0.3)},
                                   {p + "mlp.gate_proj.weight", random({32, 16}, 0.3)},
                                   {p + "mlp.up_proj.weight", random({32, 16}, 0.3)},
                                   {p + "mlp.down_proj.weight", random({16, 32}, 0.3)}});
  }
  tp::safetensors::write(dir / "model.safetensors", weights);
}

struct TinyModel {
  TempDir dir;
  TinyModel() { write_tiny_qwen2(dir.path); }
  std::shared_ptr<tp::CausalLM> load() const {
    tp::StageContext context;
    const auto stage = make_stage<tp::ModelStage>(
        "model", "hf", {{"path", dir.path.string()}, {"dtype", "fp32"}, {"device", "cpu"}}, context);
    return stage->load();
  }
};

// What a test makes the adapter's output: NaN everywhere (poisoned), or
// zero, so that no gradient reaches the weights (frozen).
struct Faults {
  bool poisoned = false;
  bool frozen = false;
};

// x → dropout(x) Aᵀ Bᵀ · scale, unless a fault is set.
class LowRankDelta : public tp::LinearDelta {
 public:
  LowRankDelta(at::Tensor a, at::Tensor b, double dropout, const bool& training, const Faults& faults)
      : a_(std::move(a)), b_(std::move(b)), dropout_(dropout), training_(training), faults_(faults) {}
  at::Tensor delta(const at::Tensor& x) const override {
    const at::Tensor out = at::linear(at::linear(at::dropout(x, dropout_, training_), a_), b_) * 2.0;
    if (faults_.poisoned) return out * std::numeric_limits<double>::quiet_NaN();
    return faults_.frozen ? out * 0.0 : out;
  }

 private:
  at::Tensor a_, b_;
  double dropout_;
  const bool& training_;
  const Faults& faults_;
};

// A LoRA-like adapter on every q_proj and v_proj, for testing the trainer
// without the lora plugin.
class TestAdapter : public tp::AttachedAdapter {
 public:
  TestAdapter(std::shared_ptr<tp::CausalLM> model, std::int64_t rank, double dropout, std::uint64_t seed = 7)
      : model_(std::move(model)) {
    at::Generator generator = at::detail::createCPUGenerator(seed);
    for (auto& [name, linear] : model_->adaptable_linears()) {
      if (!name.ends_with("q_proj") && !name.ends_with("v_proj")) continue;
      at::Tensor a = (at::randn({rank, linear->in_features()}, generator) * 0.3).requires_grad_(true);
      at::Tensor b = (at::randn({linear->out_features(), rank}, generator) * 0.3).requires_grad_(true);
      parameters_.emplace_back("base_model.model." + name + ".lora_A.weight", a);
      parameters_.emplace_back("base_model.model." + name + ".lora_B.weight", b);
      linear->attach(std::make_shared<LowRankDelta>(a, b, dropout, training_, faults));
    }
  }
  std::shared_ptr<tp::CausalLM> model() const override { return model_; }
  NamedTensors parameters() const override { return parameters_; }
  void set_training(bool training) override { training_ = training; }
  void set_enabled(bool) override { throw tp::Error("the trainer never switches its adapter off"); }
  void save(const fs::path& dir) const override {
    NamedTensors detached;
    for (const auto& [name, tensor] : parameters_) detached.emplace_back(name, tensor.detach());
    tp::safetensors::write(dir / "adapter_model.safetensors", detached);
    std::ofstream(dir / "adapter_config.json") << R"({"peft_type": "LORA"})";
  }
  void merge() override { throw tp::Error("not mergeable"); }

  Faults faults;

 private:
  std::shared_ptr<tp::CausalLM> model_;
  NamedTensors parameters_;
  bool training_ = false;
};

struct Recorder : tp::EventEmitter {
  std::vector<tp::Event> events;
  void emit(tp::Event event) override { events.push_back(std::move(event)); }
  std::map<std::int64_t, double> series(const std::string& name) const {
    std::map<std::int64_t, double> values;
    for (const tp::Event& e : events)
      if (e.kind == tp::Event::Kind::Scalar && e.name == name) values[e.step] = e.value;
    return values;
  }
  std::string texts(const std::string& name) const {
    std::string all;
    for (const tp::Event& e : events)
      if (e.kind == tp::Event::Kind::Text && e.name == name) all += e.text + "\n";
    return all;
  }
};

// Rows of 5–12 tokens whose second half is trained.
std::vector<tp::TokenizedSample> make_samples(int count, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<tp::TokenizedSample> samples(static_cast<std::size_t>(count));
  for (tp::TokenizedSample& sample : samples) {
    const std::size_t length = 5 + random() % 8;
    for (std::size_t t = 0; t < length; ++t) {
      const auto id = static_cast<std::int32_t>(2 + random() % 62);
      sample.input_ids.push_back(id);
      sample.labels.push_back(t < length / 2 ? tp::kIgnoreLabel : id);
    }
  }
  return samples;
}

struct Training {
  std::shared_ptr<TestAdapter> adapter;
  std::vector<tp::TokenizedSample> train, eval;
  fs::path output_dir;
  tp::ResumeRequest resume;
  std::function<void(std::int64_t)> evaluate;
  tp::RunIdentity identity;
  Recorder events;

  tp::TrainingResult run(const std::vector<std::pair<std::string, tp::Value>>& options) {
    tp::StageContext context{"test", output_dir, 42, &events};
    const auto trainer = make_stage<tp::TrainerStage>("trainer", "sft", options, context);
    tp::TrainingJob job;
    job.adapter = adapter;
    job.train = train;
    job.eval = eval;
    job.pad_token_id = 0;
    job.resume = resume;
    job.evaluate = evaluate;
    job.identity = identity;
    return trainer->train(job);
  }
};

// Loss as transformers computes it: full fp32 logits, labels shifted left,
// summed cross-entropy divided by `divisor`, with a padding attention mask.
at::Tensor reference_loss(const tp::CausalLM& model, const std::vector<tp::TokenizedSample>& rows, double divisor) {
  std::size_t longest = 0;
  for (const auto& row : rows) longest = std::max(longest, row.input_ids.size());
  const auto n = static_cast<std::int64_t>(rows.size()), t = static_cast<std::int64_t>(longest);
  at::Tensor ids = at::zeros({n, t}, at::kLong), labels = at::full({n, t}, -100, at::kLong),
             mask = at::zeros({n, t}, at::kLong);
  for (std::int64_t r = 0; r < n; ++r)
    for (std::size_t i = 0; i < rows[r].input_ids.size(); ++i) {
      ids[r][static_cast<std::int64_t>(i)] = rows[r].input_ids[i];
      labels[r][static_cast<std::int64_t>(i)] = rows[r].labels[i];
      mask[r][static_cast<std::int64_t>(i)] = 1;
    }
  tp::ForwardInput input;
  input.input_ids = ids;
  input.attention_mask = mask;
  const at::Tensor logits = model.logits(input).to(at::kFloat);
  const at::Tensor shifted = logits.slice(1, 0, t - 1).reshape({-1, logits.size(-1)});
  const at::Tensor targets = labels.slice(1, 1).reshape(-1);
  return at::cross_entropy_loss(shifted, targets, std::nullopt, at::Reduction::Sum, -100) / divisor;
}

std::int64_t targets_of(const std::vector<tp::TokenizedSample>& rows) {
  std::int64_t count = 0;
  for (const auto& row : rows)
    for (std::size_t i = 1; i < row.labels.size(); ++i) count += row.labels[i] != tp::kIgnoreLabel;
  return count;
}

bool same_tensors(const NamedTensors& a, const NamedTensors& b, double atol) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !at::allclose(a[i].second, b[i].second, 0.0, atol)) return false;
  return true;
}

NamedTensors snapshot(const NamedTensors& tensors) {
  NamedTensors copies;
  for (const auto& [name, tensor] : tensors) copies.emplace_back(name, tensor.detach().clone());
  return copies;
}

}  // namespace

TEST_CASE("checkpointed decoder layers give the gradients of plain ones", "[trainer][checkpointing]") {
  const TinyModel tiny;
  const auto adapter = std::make_shared<TestAdapter>(tiny.load(), 4, /*dropout=*/0.2);
  adapter->set_training(true);
  const std::vector<tp::TokenizedSample> rows = make_samples(3, 5);

  auto gradients = [&](bool checkpoint) {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    generator.set_current_seed(99);
    std::size_t longest = 0;
    for (const auto& row : rows) longest = std::max(longest, row.input_ids.size());
    at::Tensor ids = at::zeros({3, static_cast<std::int64_t>(longest)}, at::kLong);
    for (std::int64_t r = 0; r < 3; ++r)
      for (std::size_t i = 0; i < rows[r].input_ids.size(); ++i) ids[r][static_cast<std::int64_t>(i)] = rows[r].input_ids[i];
    tp::ForwardInput input;
    input.input_ids = ids;
    input.checkpoint_layers = checkpoint;
    const at::Tensor hidden = adapter->model()->hidden_states(input);
    const at::Tensor loss = adapter->model()->lm_head(hidden).logsumexp(-1).sum();
    loss.backward();
    NamedTensors grads;
    for (auto& [name, parameter] : adapter->parameters()) {
      grads.emplace_back(name, parameter.grad().clone());
      parameter.mutable_grad().reset();
    }
    grads.emplace_back("loss", loss.detach());
    return std::pair{grads, at::detail::getDefaultCPUGenerator().get_state()};
  };
  const auto [plain, plain_random] = gradients(false);
  const auto [checkpointed, checkpointed_random] = gradients(true);
  CHECK(at::equal(plain_random, checkpointed_random));  // recomputing draws nothing new
  REQUIRE(plain.size() == checkpointed.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    INFO(plain[i].first);
    CHECK(plain[i].second.abs().sum().item<double>() > 0);
    CHECK(at::allclose(plain[i].second, checkpointed[i].second, 1e-5, 1e-6));
  }

  SECTION("without grad mode the flag changes nothing") {
    const at::NoGradGuard no_grad;
    adapter->set_training(false);  // no dropout draws
    tp::ForwardInput input;
    input.input_ids = at::tensor({3, 4, 5}, at::kLong).unsqueeze(0);
    const at::Tensor a = adapter->model()->hidden_states(input);
    input.checkpoint_layers = true;
    CHECK(at::equal(a, adapter->model()->hidden_states(input)));
  }
}

TEST_CASE("sft: one step is transformers' loss with accumulation, torch's clipping and AdamW", "[trainer]") {
  const TinyModel tiny;
  const TempDir out;
  Training training{std::make_shared<TestAdapter>(tiny.load(), 4, 0.0), make_samples(4, 3)};
  training.output_dir = out.path;
  const auto& data = training.train;
  const tp::CausalLM& model = *training.adapter->model();

  const NamedTensors initial = snapshot(training.adapter->parameters());
  const double divisor = static_cast<double>(targets_of(data));
  double reference = 0.0;
  for (const auto& micro : {std::vector{data[0], data[1]}, std::vector{data[2], data[3]}}) {
    const at::Tensor loss = reference_loss(model, micro, divisor);
    loss.backward();
    reference += loss.item<double>();
  }
  std::vector<at::Tensor> expected;
  for (auto& [name, parameter] : training.adapter->parameters()) {
    at::Tensor copy = parameter.detach().clone().requires_grad_(true);
    copy.mutable_grad() = parameter.grad().clone();
    parameter.mutable_grad().reset();
    expected.push_back(copy);
  }
  const double norm = torch::nn::utils::clip_grad_norm_(expected, 0.5);
  torch::optim::AdamW adamw(expected, torch::optim::AdamWOptions(1e-2).betas({0.9, 0.95}).eps(1e-6).weight_decay(0.1));
  adamw.step();

  training.run({{"batch_size", std::int64_t{2}}, {"grad_accum", std::int64_t{2}}, {"max_steps", std::int64_t{1}},
                {"shuffle", false}, {"learning_rate", 1e-2}, {"weight_decay", 0.1}, {"adam_beta2", 0.95},
                {"adam_epsilon", 1e-6}, {"max_grad_norm", 0.5}, {"logging_steps", std::int64_t{1}}});

  CHECK(training.events.series("train/loss").at(1) == Approx(reference).epsilon(1e-6));
  CHECK(training.events.series("train/grad_norm").at(1) == Approx(norm).epsilon(1e-6));
  CHECK(norm > 0.5);  // clipping took part
  NamedTensors expected_named;
  for (std::size_t i = 0; i < expected.size(); ++i) expected_named.emplace_back(initial[i].first, expected[i].detach());
  CHECK(same_tensors(snapshot(training.adapter->parameters()), expected_named, 1e-6));
  CHECK(!same_tensors(snapshot(training.adapter->parameters()), initial, 1e-4));
  CHECK(fs::exists(out.path / "adapter" / "adapter_model.safetensors"));
}

TEST_CASE("sft: learning rates follow transformers' schedules", "[trainer]") {
  const TinyModel tiny;
  struct Case {
    std::string scheduler;
    std::vector<std::pair<std::string, tp::Value>> warmup;
    std::vector<double> factors;  // steps 1–6, warmup 2 of 6 steps
  };
  const double c = 0.5 * (1.0 + std::cos(std::numbers::pi * 0.25));  // cosine at a quarter of the decay
  const std::vector<Case> cases{
      {"linear", {{"warmup_steps", std::int64_t{2}}}, {0.0, 0.5, 1.0, 0.75, 0.5, 0.25}},
      {"cosine", {{"warmup_ratio", 0.25}}, {0.0, 0.5, 1.0, c, 0.5, 1.0 - c}},
      {"constant_with_warmup", {{"warmup_steps", std::int64_t{2}}}, {0.0, 0.5, 1.0, 1.0, 1.0, 1.0}},
      {"constant", {}, {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}},
  };
  for (const Case& test : cases) {
    INFO(test.scheduler);
    const TempDir out;
    Training training{std::make_shared<TestAdapter>(tiny.load(), 2, 0.0), make_samples(6, 1)};
    training.output_dir = out.path;
    std::vector<std::pair<std::string, tp::Value>> options{{"scheduler", test.scheduler},
                                                           {"max_steps", std::int64_t{6}},
                                                           {"batch_size", std::int64_t{2}},
                                                           {"learning_rate", 2e-3},
                                                           {"logging_steps", std::int64_t{1}}};
    options.insert(options.end(), test.warmup.begin(), test.warmup.end());
    training.run(options);
    const auto lr = training.events.series("train/lr");
    REQUIRE(lr.size() == 6);
    for (std::int64_t step = 1; step <= 6; ++step) CHECK(lr.at(step) == Approx(2e-3 * test.factors[step - 1]).margin(1e-15));
    CHECK(training.events.series("train/epoch").at(6) == Approx(2.0));  // 3 batches an epoch
  }
}

TEST_CASE("sft: a resumed run continues with the losses of an uninterrupted one", "[trainer][resume]") {
  const TinyModel tiny;
  const TempDir first_out, second_out;
  // 10 rows in batches of 2, accumulating 2: 3 steps an epoch, the third of one micro-batch.
  const std::vector<std::pair<std::string, tp::Value>> options{
      {"batch_size", std::int64_t{2}}, {"grad_accum", std::int64_t{2}}, {"epochs", std::int64_t{3}},
      {"learning_rate", 5e-3},         {"logging_steps", std::int64_t{1}}, {"save_steps", std::int64_t{2}},
      {"warmup_steps", std::int64_t{2}}, {"eval_steps", std::int64_t{4}}};
  Training first{std::make_shared<TestAdapter>(tiny.load(), 4, /*dropout=*/0.3), make_samples(10, 2),
                 make_samples(3, 9)};
  first.output_dir = first_out.path;
  first.run(options);
  const auto uninterrupted = first.events.series("train/loss");
  REQUIRE(uninterrupted.size() == 9);
  REQUIRE(fs::is_directory(first_out.path / "checkpoints" / "checkpoint-4"));

  for (const char* checkpoint : {"checkpoint-2", "checkpoint-4"}) {
    INFO(checkpoint);
    // A fresh adapter with other initial weights: the checkpoint decides.
    Training resumed{std::make_shared<TestAdapter>(tiny.load(), 4, 0.3, /*seed=*/123), first.train, first.eval};
    resumed.output_dir = second_out.path;
    resumed.resume = {tp::ResumeRequest::Mode::Directory, first_out.path / "checkpoints" / checkpoint};
    const tp::TrainingResult result = resumed.run(options);
    CHECK(result.steps == 9);
    const auto losses = resumed.events.series("train/loss");
    const std::int64_t start = checkpoint == std::string("checkpoint-2") ? 3 : 5;
    CHECK(losses.begin()->first == start);
    for (const auto& [step, loss] : losses) CHECK(loss == uninterrupted.at(step));
    CHECK(resumed.events.series("eval/loss").at(8) == first.events.series("eval/loss").at(8));
    CHECK(same_tensors(snapshot(resumed.adapter->parameters()), snapshot(first.adapter->parameters()), 0.0));
  }

  SECTION("Latest takes the highest complete checkpoint and ignores a half-written one") {
    fs::create_directories(first_out.path / "checkpoints" / "checkpoint-12.partial-1");
    std::ofstream(first_out.path / "checkpoints" / "checkpoint-12.partial-1" / "trainer_state.json") << "{";
    Training latest{std::make_shared<TestAdapter>(tiny.load(), 4, 0.3), first.train, first.eval};
    latest.output_dir = first_out.path;
    latest.resume = {tp::ResumeRequest::Mode::Latest, {}};
    CHECK(latest.run(options).steps == 9);
    CHECK(latest.events.texts("train/resumed").find("checkpoint-8 at step 8") != std::string::npos);
  }

  SECTION("a checkpoint of another adapter shape or with a damaged file is refused, naming the file") {
    const fs::path source = first_out.path / "checkpoints" / "checkpoint-4";
    Training other{std::make_shared<TestAdapter>(tiny.load(), 2, 0.3), first.train};
    other.output_dir = second_out.path;
    other.resume = {tp::ResumeRequest::Mode::Directory, source};
    const std::string shape = error_of([&] { other.run(options); });
    CHECK(shape.find((source / "adapter_model.safetensors").string()) != std::string::npos);
    CHECK(shape.find("another adapter shape") != std::string::npos);

    const fs::path damaged = second_out.path / "damaged";
    fs::copy(source, damaged);
    fs::resize_file(damaged / "optimizer.safetensors", 40);
    Training broken{std::make_shared<TestAdapter>(tiny.load(), 4, 0.3), first.train};
    broken.output_dir = second_out.path;
    broken.resume = {tp::ResumeRequest::Mode::Directory, damaged};
    CHECK(error_of([&] { broken.run(options); }).find((damaged / "optimizer.safetensors").string()) !=
          std::string::npos);

    fs::remove(damaged / "trainer_state.json");
    CHECK(error_of([&] { broken.run(options); }).find((damaged / "trainer_state.json").string() + ": error: missing") !=
          std::string::npos);
  }
}

TEST_CASE("sft: checkpoints rotate, the final adapter is written whole", "[trainer]") {
  const TinyModel tiny;
  const TempDir out;
  Training training{std::make_shared<TestAdapter>(tiny.load(), 2, 0.0), make_samples(8, 4)};
  training.output_dir = out.path;
  const tp::TrainingResult result =
      training.run({{"batch_size", std::int64_t{2}}, {"save_steps", std::int64_t{1}}, {"save_total_limit", std::int64_t{2}},
                    {"logging_steps", std::int64_t{3}}});
  CHECK(result.steps == 4);
  CHECK(result.adapter_dir == out.path / "adapter");
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(out.path / "checkpoints")) left.push_back(entry.path().filename());
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>{"checkpoint-3", "checkpoint-4"});
  for (const char* file : {"adapter_model.safetensors", "adapter_config.json", "optimizer.safetensors",
                           "rng_state.safetensors", "trainer_state.json"})
    CHECK(fs::exists(out.path / "checkpoints" / "checkpoint-4" / file));
  // Reports at step 3 and for the last step; the final loss is the last window's.
  const auto losses = training.events.series("train/loss");
  CHECK(losses.size() == 2);
  CHECK(result.final_loss == losses.at(4));
  CHECK(training.events.texts("train/adapter").find((out.path / "adapter").string()) != std::string::npos);
}

TEST_CASE("sft: gradient checkpointing trains as without it", "[trainer][checkpointing]") {
  const TinyModel tiny;
  std::map<std::int64_t, double> losses[2];
  for (const bool checkpointing : {false, true}) {
    const TempDir out;
    Training training{std::make_shared<TestAdapter>(tiny.load(), 4, 0.1), make_samples(6, 8)};
    training.output_dir = out.path;
    training.run({{"batch_size", std::int64_t{3}}, {"max_steps", std::int64_t{4}}, {"logging_steps", std::int64_t{1}},
                  {"gradient_checkpointing", checkpointing}, {"learning_rate", 1e-2}});
    losses[checkpointing] = training.events.series("train/loss");
  }
  REQUIRE(losses[0].size() == 4);
  for (const auto& [step, loss] : losses[0]) CHECK(losses[1].at(step) == Approx(loss).epsilon(1e-5));
}

TEST_CASE("sft: a non-finite loss stops the run, naming the step and the last good checkpoint", "[trainer]") {
  const TinyModel tiny;
  const TempDir out;
  Training training{std::make_shared<TestAdapter>(tiny.load(), 2, 0.0), make_samples(8, 6)};
  training.output_dir = out.path;
  training.evaluate = [&](std::int64_t step) { training.adapter->faults.poisoned = step == 2; };
  const std::string error = error_of([&] {
    training.run({{"batch_size", std::int64_t{2}}, {"eval_steps", std::int64_t{2}}, {"save_steps", std::int64_t{2}}});
  });
  // The weights after step 2 give NaN: checked before its checkpoint is written, they are not saved.
  CHECK(error.find("step 2: after its update the adapter's weights give a nan loss on the batch just trained, so "
                   "they were not saved — no checkpoint was written before it") != std::string::npos);
  CHECK(!fs::exists(out.path / "checkpoints" / "checkpoint-2"));

  const TempDir later;
  Training late{std::make_shared<TestAdapter>(tiny.load(), 2, 0.0), make_samples(8, 6)};
  late.output_dir = later.path;
  late.evaluate = [&](std::int64_t step) { late.adapter->faults.poisoned = step == 2; };
  const std::string late_error = error_of([&] {
    late.run({{"batch_size", std::int64_t{2}}, {"eval_steps", std::int64_t{2}}, {"save_steps", std::int64_t{1}}});
  });
  CHECK(late_error.find("step 2: after its update") != std::string::npos);
  CHECK(late_error.find("the last good checkpoint is " + (later.path / "checkpoints" / "checkpoint-1").string()) !=
        std::string::npos);
  CHECK(fs::exists(later.path / "checkpoints" / "checkpoint-1"));
  CHECK(!fs::exists(later.path / "checkpoints" / "checkpoint-2"));
  CHECK(!fs::exists(later.path / "adapter"));

  Training early{std::make_shared<TestAdapter>(tiny.load(), 2, 0.0), make_samples(8, 6)};
  early.output_dir = out.path / "early";
  early.adapter->faults.poisoned = true;
  CHECK(error_of([&] { early.run({}); }).find("step 1: the training loss is nan; stopped before updating the adapter — no "
                                               "checkpoint was written") != std::string::npos);
}

TEST_CASE("sft: a finite but huge update is never saved", "[trainer]") {
  // lr 1e30: AdamW's first update moves every weight by about 1e30; the step's own loss was finite.
  const TinyModel tiny;
  const TempDir out;
  Training training{std::make_shared<TestAdapter>(tiny.load(), 2, 0.0), make_samples(8, 6)};
  training.output_dir = out.path;
  const std::string error = error_of([&] {
    training.run({{"batch_size", std::int64_t{2}}, {"save_steps", std::int64_t{1}}, {"learning_rate", 1e30},
                  {"max_grad_norm", 0.0}});
  });
  CHECK(error.find("step 1: after its update the adapter's weights give a") != std::string::npos);
  CHECK(!fs::exists(out.path / "checkpoints" / "checkpoint-1"));
  CHECK(!fs::exists(out.path / "adapter"));
}

TEST_CASE("sft: a collapsed run (zero gradient, step after step) stops, or warns and goes on", "[trainer]") {
  const TinyModel tiny;
  for (const std::string on_collapse : {"stop", "warn"}) {
    INFO(on_collapse);
    const TempDir out;
    Training training{std::make_shared<TestAdapter>(tiny.load(), 2, 0.0), make_samples(12, 6)};
    training.output_dir = out.path;
    training.evaluate = [&](std::int64_t step) { training.adapter->faults.frozen = step >= 2; };
    const std::vector<std::pair<std::string, tp::Value>> options{
        {"batch_size", std::int64_t{2}}, {"eval_steps", std::int64_t{1}}, {"collapse_steps", std::int64_t{3}},
        {"on_collapse", on_collapse}, {"logging_steps", std::int64_t{1}}};
    if (on_collapse == "stop") {
      const std::string error = error_of([&] { training.run(options); });
      CHECK(error.find("step 5: the gradient norm has been 0 for 3 steps (since step 3)") != std::string::npos);
      CHECK(!fs::exists(out.path / "adapter"));
    } else {
      CHECK(training.run(options).steps == 6);
      CHECK(training.events.texts("train/collapsed").find("since step 3") != std::string::npos);
    }
    CHECK(training.events.series("train/grad_norm").at(3) == 0.0);
  }

  SECTION("collapse_steps = 0 never checks") {
    const TempDir out;
    Training training{std::make_shared<TestAdapter>(tiny.load(), 2, 0.0), make_samples(12, 6)};
    training.output_dir = out.path;
    training.adapter->faults.frozen = true;
    CHECK(training.run({{"batch_size", std::int64_t{2}}, {"collapse_steps", std::int64_t{0}}}).steps == 6);
  }
}

TEST_CASE("sft: a stop request finishes the step, writes its checkpoint, and resuming continues exactly", "[trainer][resume]") {
  const TinyModel tiny;
  const TempDir first_out, stopped_out;
  const std::vector<std::pair<std::string, tp::Value>> options{
      {"batch_size", std::int64_t{2}}, {"epochs", std::int64_t{2}}, {"learning_rate", 5e-3},
      {"logging_steps", std::int64_t{1}}, {"eval_steps", std::int64_t{1}}};
  Training first{std::make_shared<TestAdapter>(tiny.load(), 4, /*dropout=*/0.3), make_samples(10, 2)};
  first.output_dir = first_out.path;
  first.run(options);
  const auto uninterrupted = first.events.series("train/loss");

  Training stopped{std::make_shared<TestAdapter>(tiny.load(), 4, 0.3), first.train};
  stopped.output_dir = stopped_out.path;
  stopped.evaluate = [](std::int64_t step) {
    if (step == 3) tp::request_stop();
  };
  bool interrupted = false;
  try {
    stopped.run(options);
  } catch (const tp::RunInterrupted& e) {
    interrupted = true;
    CHECK(std::string(e.what()).find("stopped at step 3 of 10") != std::string::npos);
  }
  tp::clear_stop_request();
  CHECK(interrupted);
  CHECK(fs::is_directory(stopped_out.path / "checkpoints" / "checkpoint-3"));  // save_steps is 0: written for the stop
  CHECK(stopped.events.texts("train/interrupted").find("--resume") != std::string::npos);
  CHECK(!fs::exists(stopped_out.path / "adapter"));

  Training resumed{std::make_shared<TestAdapter>(tiny.load(), 4, 0.3, /*seed=*/99), first.train};
  resumed.output_dir = stopped_out.path;
  resumed.resume = {tp::ResumeRequest::Mode::Latest, {}};
  CHECK(resumed.run(options).steps == 10);
  for (const auto& [step, loss] : resumed.events.series("train/loss")) CHECK(loss == uninterrupted.at(step));
  CHECK(same_tensors(snapshot(resumed.adapter->parameters()), snapshot(first.adapter->parameters()), 0.0));
}

TEST_CASE("sft: --resume refuses a checkpoint another run wrote, naming what differs", "[trainer][resume]") {
  const TinyModel tiny;
  const TempDir out;
  const std::vector<std::pair<std::string, tp::Value>> options{{"batch_size", std::int64_t{2}},
                                                               {"save_steps", std::int64_t{2}}};
  tp::RunIdentity identity{"first", {{"pipeline.seed", "42"}, {"adapter.r", "4"}}, std::string(64, 'a')};
  Training first{std::make_shared<TestAdapter>(tiny.load(), 4, 0.0), make_samples(8, 2)};
  first.output_dir = out.path;
  first.identity = identity;
  first.run(options);

  tp::RunIdentity other{"second", {{"pipeline.seed", "7"}, {"adapter.r", "4"}}, std::string(64, 'b')};
  Training second{std::make_shared<TestAdapter>(tiny.load(), 4, 0.0), first.train};
  second.output_dir = out.path;
  second.identity = other;
  second.resume = {tp::ResumeRequest::Mode::Latest, {}};
  const NamedTensors before = snapshot(second.adapter->parameters());
  const std::string error = error_of([&] { second.run(options); });
  CHECK(error.find((out.path / "checkpoints" / "checkpoint-4" / "trainer_state.json").string() +
                   ": error: this checkpoint belongs to another run: it was written by pipeline \"first\" and this "
                   "is pipeline \"second\"") != std::string::npos);
  CHECK(error.find("pipeline.seed = 42 there, 7 here") != std::string::npos);
  CHECK(error.find("the train data differ (tokens sha256 aaaaaaaaaaaa there, bbbbbbbbbbbb here") != std::string::npos);
  CHECK(error.find("adapter.r") == std::string::npos);
  CHECK(same_tensors(snapshot(second.adapter->parameters()), before, 0.0));  // nothing restored

  Training same{std::make_shared<TestAdapter>(tiny.load(), 4, 0.0), first.train};
  same.output_dir = out.path;
  same.identity = identity;
  same.resume = {tp::ResumeRequest::Mode::Latest, {}};
  CHECK(same.run(options).steps == 4);
}
