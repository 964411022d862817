// The `lora` adapter plugin on a stand-in model, reached as the runtime reaches
// it: attach with a seed, save in PEFT's layout, load back, merge.
#include <catch2/catch.hpp>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/pipeline.hpp"
#include "plugins/plugin_registry.hpp"
#include "tunepipe/adapter.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/safetensors.hpp"

// c10's logging header defines a glog-style CHECK that aborts the process;
// give the name back to Catch.
#undef CHECK
#define CHECK(...) INTERNAL_CATCH_TEST("CHECK", Catch::ResultDisposition::ContinueOnFailure, __VA_ARGS__)

namespace fs = std::filesystem;

namespace {

const tp::core::PluginInfo& lora_plugin() {
  static tp::core::PluginRegistry* registry = [] {
    auto* r = new tp::core::PluginRegistry;  // plugins stay loaded for the whole process
    r->add_default_search_paths();
    r->discover();
    return r;
  }();
  const tp::core::PluginInfo* info = registry->find("adapter", "lora");
  INFO("no adapter plugin \"lora\": build the target tunepipe-adapter-lora");
  REQUIRE(info != nullptr);
  return *info;
}

std::unique_ptr<tp::AdapterStage> lora_stage(const std::vector<std::string>& assignments, std::uint64_t seed = 7) {
  const tp::core::PluginInfo& plugin = lora_plugin();
  tp::StageContext context;
  context.seed = seed;
  std::unique_ptr<tp::Stage> stage =
      plugin.descriptor->create(tp::core::options_from_assignments(plugin, "adapter", assignments), context);
  auto* adapter = dynamic_cast<tp::AdapterStage*>(stage.release());
  REQUIRE(adapter != nullptr);
  return std::unique_ptr<tp::AdapterStage>(adapter);
}

// One layer with two projections, enough for the adapter's side of the contract.
class StandIn : public tp::CausalLM {
 public:
  StandIn()
      : q_proj_(at::randn({6, 4}), at::randn({6})), down_proj_(at::randn({4, 5}), {}) {
    config_.num_layers = 1;
  }
  const tp::DecoderConfig& config() const override { return config_; }
  at::Tensor embed(const at::Tensor&) const override { throw std::logic_error("not used"); }
  at::Tensor hidden_states(const tp::ForwardInput&) const override { throw std::logic_error("not used"); }
  at::Tensor lm_head(const at::Tensor&) const override { throw std::logic_error("not used"); }
  std::vector<std::pair<std::string, tp::AdaptableLinear*>> adaptable_linears() override {
    return {{"model.layers.0.self_attn.q_proj", &q_proj_}, {"model.layers.0.mlp.down_proj", &down_proj_}};
  }
  std::vector<std::pair<std::string, at::Tensor>> named_weights() const override {
    return {{"model.layers.0.self_attn.q_proj.weight", q_proj_.weight()},
            {"model.layers.0.mlp.down_proj.weight", down_proj_.weight()}};
  }
  tp::AdaptableLinear& q_proj() { return q_proj_; }

 private:
  tp::DecoderConfig config_;
  tp::AdaptableLinear q_proj_, down_proj_;
};

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("tunepipe-lora-test-" + std::to_string(::getpid()));
  ~TempDir() { fs::remove_all(path); }
};

const std::vector<std::string> kOptions = {"r=2", "alpha=4", R"(target_modules=["q_proj", "down_proj"])",
                                           "init=gaussian"};

}  // namespace

TEST_CASE("lora attaches fp32 trainable tensors named as peft saves them, repeatably from the seed", "[lora]") {
  auto model = std::make_shared<StandIn>();
  const auto adapter = lora_stage(kOptions)->attach(model);
  const auto parameters = adapter->parameters();
  REQUIRE(parameters.size() == 4);
  CHECK(parameters[0].first == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
  CHECK(parameters[1].first == "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
  CHECK(parameters[2].first == "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight");
  CHECK(parameters[0].second.sizes() == at::IntArrayRef{2, 4});
  CHECK(parameters[1].second.sizes() == at::IntArrayRef{6, 2});
  CHECK(parameters[3].second.sizes() == at::IntArrayRef{4, 2});
  for (const auto& [name, tensor] : parameters) {
    CHECK(tensor.scalar_type() == at::kFloat);
    CHECK(tensor.requires_grad());
  }
  CHECK(at::equal(parameters[1].second, at::zeros({6, 2})));

  const auto again = lora_stage(kOptions)->attach(std::make_shared<StandIn>());
  CHECK(at::equal(again->parameters()[0].second, parameters[0].second));
  const auto other_seed = lora_stage(kOptions, 8)->attach(std::make_shared<StandIn>());
  CHECK_FALSE(at::equal(other_seed->parameters()[0].second, parameters[0].second));
}

TEST_CASE("lora saves PEFT's files, loads them back and merges into the weights", "[lora]") {
  const at::NoGradGuard no_grad;
  auto model = std::make_shared<StandIn>();
  const auto stage = lora_stage(kOptions);
  const auto adapter = stage->attach(model);
  for (const auto& [name, tensor] : adapter->parameters()) tensor.normal_();  // a B that is not zero
  TempDir dir;
  adapter->save(dir.path);

  nlohmann::json config;
  std::ifstream(dir.path / "adapter_config.json") >> config;
  CHECK(config["peft_type"] == "LORA");
  CHECK(config["task_type"] == "CAUSAL_LM");
  CHECK(config["r"] == 2);
  CHECK(config["lora_alpha"] == 4);
  CHECK(config["target_modules"] == nlohmann::json({"down_proj", "q_proj"}));
  CHECK(config["init_lora_weights"] == "gaussian");
  CHECK(config["use_dora"] == false);
  const auto file = tp::safetensors::File::open(dir.path / "adapter_model.safetensors");
  CHECK(file->tensors().size() == 4);
  CHECK(file->metadata().at("format") == "pt");
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 2);  // no temporary left

  auto reloaded_model = std::make_shared<StandIn>();
  const auto reloaded = stage->load(reloaded_model, dir.path);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(reloaded->parameters()[i].first == adapter->parameters()[i].first);
    CHECK(at::equal(reloaded->parameters()[i].second, adapter->parameters()[i].second));
  }

  const at::Tensor x = at::randn({3, 4});
  const at::Tensor weight = model->q_proj().weight().clone();
  const at::Tensor a = adapter->parameters()[0].second, b = adapter->parameters()[1].second;
  const double scaling = 4.0 / 2.0;
  const at::Tensor adapted = model->q_proj().forward(x);
  CHECK(at::allclose(adapted, at::linear(x, weight, model->q_proj().bias()) + scaling * at::linear(at::linear(x, a), b),
                     1e-5, 1e-6));
  adapter->merge();
  CHECK(model->q_proj().deltas().empty());
  CHECK(at::allclose(model->q_proj().weight(), weight + scaling * at::matmul(b, a), 1e-6, 1e-6));
  CHECK(at::allclose(model->q_proj().forward(x), adapted, 1e-5, 1e-6));
  CHECK(adapter->parameters().empty());
  CHECK_THROWS_WITH(adapter->save(dir.path), Catch::Contains("cannot save a LoRA adapter that was merged"));
}

TEST_CASE("lora options name what the model lacks", "[lora]") {
  auto model = std::make_shared<StandIn>();
  CHECK_THROWS_WITH(lora_stage({R"(target_modules=["q_proj", "qkv"])"})->attach(model),
                    Catch::Contains("target module \"qkv\" matches no projection of the model (available: down_proj, "
                                    "q_proj, or all-linear)"));
  CHECK_THROWS_WITH(lora_stage({"layers=[3]"})->attach(model),
                    Catch::Contains("layer 3 does not exist: the model has layers 0 to 0"));
  CHECK_THROWS_WITH(lora_stage({"layers=3"})->attach(model),
                    Catch::Contains("layer 3 does not exist: the model has layers 0 to 0"));
  CHECK_THROWS_WITH(lora_stage({"layers=[-1]"}), Catch::Contains("\"layers\": -1 is not a layer index (0, 1, …)"));
  CHECK_THROWS_WITH(lora_stage({R"(layers=["0"])"}), Catch::Contains("\"layers[]\" must be an integer, not a string"));
  CHECK_THROWS_WITH(lora_stage({R"(target_modules=["all-linear"])", "layers=[0]"}),
                    Catch::Contains("\"layers\" cannot be combined with all-linear or a regex target"));
  CHECK_THROWS_WITH(lora_stage({"target_modules=3"}),
                    Catch::Contains("\"target_modules\" must be a string or an array of strings, not an integer"));
}

TEST_CASE("lora target_modules take peft's forms: names, all-linear, or one regex string", "[lora]") {
  const auto targets_of = [](const std::string& option, const std::string& more = "r=2") {
    auto model = std::make_shared<StandIn>();
    lora_stage({"r=2", option, more})->attach(model);
    std::vector<std::string> adapted;
    for (const auto& [name, linear] : model->adaptable_linears())
      if (!linear->deltas().empty()) adapted.push_back(name);
    return adapted;
  };
  const std::vector<std::string> both = {"model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj"};
  CHECK(targets_of(R"(target_modules=["q_proj"])") == std::vector<std::string>{both[0]});
  CHECK(targets_of(R"(target_modules="all-linear")") == both);
  CHECK(targets_of(R"(target_modules=["all-linear"])") == both);
  CHECK(targets_of(R"(target_modules=".*mlp\\.down_proj")") == std::vector<std::string>{both[1]});
  // A regex must match the whole name, as peft's re.fullmatch.
  CHECK_THROWS_WITH(targets_of(R"(target_modules="down_proj")"), Catch::Contains("select no projection of the model"));
  CHECK(targets_of(R"(target_modules=["q_proj", "down_proj"])", "layers=0") == both);
}

TEST_CASE("a lora adapter switched off leaves the base model's output", "[lora]") {
  const at::NoGradGuard no_grad;
  auto model = std::make_shared<StandIn>();
  const auto adapter = lora_stage(kOptions)->attach(model);
  for (const auto& [name, tensor] : adapter->parameters()) tensor.normal_();
  const at::Tensor x = at::randn({3, 4});
  const at::Tensor base = at::linear(x, model->q_proj().weight(), model->q_proj().bias());
  const at::Tensor adapted = model->q_proj().forward(x);
  CHECK_FALSE(at::allclose(adapted, base));
  {
    const tp::AdapterSwitch off(adapter.get(), false);
    CHECK(at::equal(model->q_proj().forward(x), base));
  }
  CHECK(at::equal(model->q_proj().forward(x), adapted));
}

namespace {

class FixedDelta : public tp::LinearDelta {
 public:
  explicit FixedDelta(at::Tensor value) : value_(std::move(value)) {}
  at::Tensor delta(const at::Tensor&) const override { return value_; }

 private:
  at::Tensor value_;
};

}  // namespace

TEST_CASE("an adaptable linear sums fp32 deltas over bf16 weights in fp32 and rounds once, as peft", "[lora]") {
  const at::NoGradGuard no_grad;
  // Every output is exactly 1, where a bf16 step is 2^-7: each delta of 0.003
  // alone is under half a step, the two together are over it.
  const at::Tensor weight = at::full({8, 4}, 0.25).to(at::kBFloat16);
  const at::Tensor x = at::ones({2, 4}).to(at::kBFloat16);
  tp::AdaptableLinear linear(weight, {});
  const at::Tensor small = at::full({2, 8}, 0.003);
  linear.attach(std::make_shared<FixedDelta>(small));
  linear.attach(std::make_shared<FixedDelta>(small));
  const at::Tensor base = at::linear(x, weight);
  const at::Tensor out = linear.forward(x);
  CHECK(out.scalar_type() == at::kBFloat16);
  CHECK(at::equal(out, at::full({2, 8}, 1.0 + 1.0 / 128).to(at::kBFloat16)));
  // Rounded after each delta, both updates would be lost.
  CHECK(at::equal(base + small.to(at::kBFloat16) + small.to(at::kBFloat16), base));
}
