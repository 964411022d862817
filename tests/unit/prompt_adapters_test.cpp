// The prompt adapter plugins (prompt-tuning, p-tuning, prefix) on a stand-in
// model that records what it is given, reached as the runtime reaches them:
// their options' checks, the virtual tokens, masks and positions the wrapper
// model hands the base, switching off, saving and loading back.
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

const tp::core::PluginInfo& adapter_plugin(const std::string& name) {
  static tp::core::PluginRegistry* registry = [] {
    auto* r = new tp::core::PluginRegistry;  // plugins stay loaded for the whole process
    r->add_default_search_paths();
    r->discover();
    return r;
  }();
  const tp::core::PluginInfo* info = registry->find("adapter", name);
  INFO("no adapter plugin \"" + name + "\": build the target tunepipe-adapter-" + name);
  REQUIRE(info != nullptr);
  return *info;
}

std::unique_ptr<tp::AdapterStage> stage(const std::string& name, const std::vector<std::string>& assignments,
                                        std::uint64_t seed = 7) {
  const tp::core::PluginInfo& plugin = adapter_plugin(name);
  tp::StageContext context;
  context.seed = seed;
  std::unique_ptr<tp::Stage> made =
      plugin.descriptor->create(tp::core::options_from_assignments(plugin, "adapter", assignments), context);
  auto* adapter = dynamic_cast<tp::AdapterStage*>(made.release());
  REQUIRE(adapter != nullptr);
  return std::unique_ptr<tp::AdapterStage>(adapter);
}

constexpr std::int64_t kHidden = 4, kLayers = 2, kKvHeads = 1, kHeadDim = 2;

// Returns its input embeddings as hidden states, and keeps what it was given.
// A cache grows by the tokens of each call, as a real model's does.
class Recorder : public tp::CausalLM {
 public:
  explicit Recorder(at::ScalarType dtype = at::kFloat) : table_(at::randn({10, kHidden}).to(dtype)) {
    config_.hidden_size = kHidden;
    config_.num_layers = kLayers;
    config_.num_heads = 2;
    config_.num_kv_heads = kKvHeads;
    config_.head_dim = kHeadDim;
    config_.vocab_size = 10;
  }
  const tp::DecoderConfig& config() const override { return config_; }
  at::Tensor embed(const at::Tensor& ids) const override { return at::embedding(table_, ids); }
  at::Tensor hidden_states(const tp::ForwardInput& input) const override {
    seen = input;
    const at::Tensor hidden = input.inputs_embeds.defined() ? input.inputs_embeds : embed(input.input_ids);
    if (input.cache != nullptr) {
      const at::Tensor keys = at::zeros({hidden.size(0), kKvHeads, hidden.size(1), kHeadDim});
      for (auto* states : {&input.cache->keys, &input.cache->values}) {
        states->resize(kLayers);
        for (at::Tensor& layer : *states) layer = layer.defined() ? at::cat({layer, keys}, 2) : keys;
      }
    }
    return hidden;
  }
  at::Tensor lm_head(const at::Tensor& hidden) const override { return hidden; }
  std::vector<std::pair<std::string, tp::AdaptableLinear*>> adaptable_linears() override { return {}; }
  std::vector<std::pair<std::string, at::Tensor>> named_weights() const override {
    return {{"model.embed_tokens.weight", table_}};
  }

  mutable tp::ForwardInput seen;

 private:
  tp::DecoderConfig config_;
  at::Tensor table_;
};

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("tunepipe-prompt-test-" + std::to_string(::getpid()));
  ~TempDir() { fs::remove_all(path); }
};

nlohmann::json read_json(const fs::path& file) {
  nlohmann::json json;
  std::ifstream(file) >> json;
  return json;
}

at::Tensor ids(std::vector<std::int64_t> values) { return at::tensor(values, at::kLong).view({1, -1}); }

}  // namespace

TEST_CASE("prompt adapter options say what to change", "[prompt]") {
  CHECK_THROWS_WITH(stage("prompt-tuning", {"init=\"text\""}),
                    Catch::Contains("init = \"text\" needs \"init_text\""));
  CHECK_THROWS_WITH(stage("prompt-tuning", {"init_text=\"news\""}),
                    Catch::Contains("\"init_text\" is only used with init = \"text\" (init is \"random\")"));
  CHECK_THROWS_WITH(stage("prompt-tuning", {"num_virtual_tokens=0"}), Catch::Contains("num_virtual_tokens"));
  CHECK_THROWS_WITH(stage("p-tuning", {"encoder_num_layers=3"}),
                    Catch::Contains("\"encoder_num_layers\" only applies to the LSTM encoder"));
  CHECK_THROWS_WITH(stage("p-tuning", {"encoder_dropout=0.1"}),
                    Catch::Contains("\"encoder_dropout\" only applies to the LSTM encoder"));
  CHECK_THROWS_WITH(stage("p-tuning", {"encoder_reparameterization_type=\"GRU\""}),
                    Catch::Contains("encoder_reparameterization_type"));
  CHECK_THROWS_WITH(stage("prefix", {"encoder_hidden_size=16"}),
                    Catch::Contains("\"encoder_hidden_size\" is the size of the projection: it needs "
                                    "prefix_projection = true"));
  CHECK_NOTHROW(stage("p-tuning", {"encoder_reparameterization_type=\"LSTM\"", "encoder_num_layers=3",
                                   "encoder_dropout=0.1"}));
  auto model = std::make_shared<Recorder>();
  CHECK_THROWS_WITH(stage("prefix", {"init=\"no/such/folder\""})->attach(model),
                    Catch::Contains("\"init\" = \"no/such/folder\" is neither \"random\", \"zero\" nor an adapter "
                                    "folder"));

  // A folder as peft writes it holds only what the encoder or projection computes.
  TempDir peft_only;
  fs::create_directories(peft_only.path);
  const std::string init = "init=\"" + peft_only.path.string() + "\"";
  CHECK_THROWS_WITH(stage("p-tuning", {init})->attach(model),
                    Catch::Contains("has no tunepipe_prompt_encoder.safetensors: peft's folder holds only the "
                                    "encoder's output"));
  CHECK_THROWS_WITH(stage("prefix", {init, "prefix_projection=true"})->attach(model),
                    Catch::Contains("has no tunepipe_prompt_encoder.safetensors: peft's folder holds only the "
                                    "projection's output"));
}

TEST_CASE("prompt tuning prepends its tokens on a fresh forward and only extends the mask on cached steps",
          "[prompt]") {
  const at::NoGradGuard no_grad;
  auto base = std::make_shared<Recorder>();
  const auto adapter = stage("prompt-tuning", {"num_virtual_tokens=3"})->attach(base);
  const auto parameters = adapter->parameters();
  REQUIRE(parameters.size() == 1);
  CHECK(parameters[0].first == "prompt_embeddings");
  CHECK(parameters[0].second.sizes() == at::IntArrayRef{3, kHidden});
  CHECK(parameters[0].second.requires_grad());
  const at::Tensor prompt = parameters[0].second;
  const auto model = adapter->model();

  tp::KVCache cache;
  tp::ForwardInput input;
  input.input_ids = ids({0, 5, 6});
  input.attention_mask = at::tensor({0, 1, 1}, at::kLong).view({1, 3});  // left padding
  input.cache = &cache;
  const at::Tensor hidden = model->hidden_states(input);
  CHECK(hidden.sizes() == at::IntArrayRef{1, 3, kHidden});  // the real tokens only
  CHECK(at::equal(hidden, base->embed(input.input_ids)));
  CHECK_FALSE(base->seen.input_ids.defined());
  CHECK(at::equal(base->seen.inputs_embeds.narrow(1, 0, 3)[0], prompt));
  CHECK(at::equal(base->seen.attention_mask, at::tensor({1, 1, 1, 0, 1, 1}, at::kLong).view({1, 6})));
  CHECK_FALSE(base->seen.position_ids.defined());  // the base numbers tokens from the extended mask
  CHECK(cache.length() == 6);

  input.input_ids = ids({7});
  input.attention_mask = at::tensor({0, 1, 1, 1}, at::kLong).view({1, 4});
  model->hidden_states(input);
  CHECK(at::equal(base->seen.input_ids, ids({7})));
  CHECK(at::equal(base->seen.attention_mask, at::tensor({1, 1, 1, 0, 1, 1, 1}, at::kLong).view({1, 7})));
  CHECK(cache.length() == 7);

  input.input_ids = ids({8});  // a mask that forgot a step: the cache no longer matches it
  CHECK_THROWS_WITH(model->hidden_states(input), Catch::Contains("the KV cache holds 7 positions"));

  tp::ForwardInput numbered;
  numbered.input_ids = ids({5, 6});
  numbered.position_ids = ids({4, 5});
  model->hidden_states(numbered);
  CHECK(at::equal(base->seen.position_ids, ids({0, 1, 2, 7, 8})));

  adapter->set_enabled(false);
  tp::ForwardInput plain;
  plain.input_ids = ids({5, 6});
  model->hidden_states(plain);
  CHECK(at::equal(base->seen.input_ids, ids({5, 6})));
  CHECK_FALSE(base->seen.inputs_embeds.defined());
  CHECK_THROWS_WITH(adapter->merge(), Catch::Contains("PROMPT_TUNING adapters cannot be merged into the model"));
}

TEST_CASE("prompt tokens are fp32 parameters cast to the base model's dtype", "[prompt]") {
  const at::NoGradGuard no_grad;
  auto base = std::make_shared<Recorder>(at::kBFloat16);
  const auto adapter = stage("p-tuning", {"num_virtual_tokens=2"})->attach(base);
  for (const auto& [name, tensor] : adapter->parameters()) CHECK(tensor.scalar_type() == at::kFloat);
  tp::ForwardInput input;
  input.input_ids = ids({1, 2});
  adapter->model()->hidden_states(input);
  CHECK(base->seen.inputs_embeds.scalar_type() == at::kBFloat16);
  CHECK(base->seen.inputs_embeds.size(1) == 4);
}

TEST_CASE("prefix tuning gives every layer its keys and values and numbers tokens after them", "[prompt]") {
  const at::NoGradGuard no_grad;
  auto base = std::make_shared<Recorder>();
  const auto adapter = stage("prefix", {"num_virtual_tokens=3"})->attach(base);
  const at::Tensor flat = adapter->parameters().at(0).second;
  CHECK(adapter->parameters().at(0).first == "prompt_embeddings");
  CHECK(flat.sizes() == at::IntArrayRef{3, kLayers * 2 * kKvHeads * kHeadDim});  // peft's layout
  const auto model = adapter->model();

  tp::KVCache cache;
  tp::ForwardInput input;
  input.input_ids = ids({0, 5, 6});
  input.attention_mask = at::tensor({0, 1, 1}, at::kLong).view({1, 3});
  input.cache = &cache;
  CHECK(model->hidden_states(input).size(1) == 3);
  CHECK(at::equal(base->seen.input_ids, input.input_ids));
  CHECK(at::equal(base->seen.attention_mask, input.attention_mask));  // the base adds the prefix's columns
  CHECK(at::equal(base->seen.position_ids, ids({3, 3, 4})));
  REQUIRE(base->seen.layer_prefix.size() == kLayers);
  const at::Tensor per_layer = flat.view({3, kLayers * 2, kKvHeads, kHeadDim});
  for (std::int64_t layer = 0; layer < kLayers; ++layer) {
    const auto& [keys, values] = base->seen.layer_prefix[static_cast<std::size_t>(layer)];
    CHECK(keys.sizes() == at::IntArrayRef{1, kKvHeads, 3, kHeadDim});
    CHECK(at::equal(keys[0], per_layer.select(1, 2 * layer).permute({1, 0, 2})));
    CHECK(at::equal(values[0], per_layer.select(1, 2 * layer + 1).permute({1, 0, 2})));
  }
  CHECK(cache.length() == 3);  // the cache never holds the prefix

  input.input_ids = ids({7});
  input.attention_mask = at::tensor({0, 1, 1, 1}, at::kLong).view({1, 4});
  model->hidden_states(input);
  CHECK(at::equal(base->seen.position_ids, ids({5})));
  input.attention_mask = at::Tensor();
  model->hidden_states(input);
  CHECK(at::equal(base->seen.position_ids, ids({7})));  // 3 virtual + 4 cached

  tp::ForwardInput own_prefix;
  own_prefix.input_ids = ids({1});
  own_prefix.layer_prefix = base->seen.layer_prefix;
  CHECK_THROWS_WITH(model->hidden_states(own_prefix), Catch::Contains("takes no layer_prefix of its own"));

  adapter->set_enabled(false);
  model->hidden_states(own_prefix);
  CHECK(base->seen.layer_prefix.size() == kLayers);  // passed through untouched
}

TEST_CASE("p-tuning saves peft's prompt_embeddings and its encoder, and loads either back", "[prompt]") {
  auto base = std::make_shared<Recorder>();
  const auto p_tuning = stage("p-tuning", {"num_virtual_tokens=3", "encoder_hidden_size=5"});
  const auto adapter = p_tuning->attach(base);
  std::vector<std::string> names;
  for (const auto& [name, tensor] : adapter->parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"prompt_encoder.embedding.weight", "prompt_encoder.mlp_head.0.weight",
                                          "prompt_encoder.mlp_head.0.bias", "prompt_encoder.mlp_head.2.weight",
                                          "prompt_encoder.mlp_head.2.bias", "prompt_encoder.mlp_head.4.weight",
                                          "prompt_encoder.mlp_head.4.bias"});
  TempDir dir;
  adapter->save(dir.path);
  const nlohmann::json config = read_json(dir.path / "adapter_config.json");
  CHECK(config["peft_type"] == "P_TUNING");
  CHECK(config["num_virtual_tokens"] == 3);
  CHECK(config["token_dim"] == kHidden);
  CHECK(config["encoder_hidden_size"] == 5);
  CHECK(config["encoder_reparameterization_type"] == "MLP");
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 3);  // no temporary left

  tp::ForwardInput input;
  input.input_ids = ids({1, 2});
  const at::NoGradGuard no_grad;
  adapter->model()->hidden_states(input);
  const at::Tensor prompt = base->seen.inputs_embeds.narrow(1, 0, 3).clone();
  CHECK(at::allclose(tp::safetensors::File::open(dir.path / "adapter_model.safetensors")
                         ->tensor("prompt_embeddings")
                         .unsqueeze(0),
                     prompt));

  const auto resumed = p_tuning->load(base, dir.path);
  CHECK(resumed->parameters().size() == names.size());
  resumed->model()->hidden_states(input);
  CHECK(at::equal(base->seen.inputs_embeds.narrow(1, 0, 3), prompt));

  fs::remove(dir.path / "tunepipe_prompt_encoder.safetensors");  // a folder as peft writes it
  const auto as_peft = p_tuning->load(base, dir.path);
  REQUIRE(as_peft->parameters().size() == 1);
  CHECK(as_peft->parameters()[0].first == "prompt_embeddings");
  as_peft->model()->hidden_states(input);
  CHECK(at::allclose(base->seen.inputs_embeds.narrow(1, 0, 3), prompt));
  as_peft->save(dir.path);
  CHECK_FALSE(fs::exists(dir.path / "tunepipe_prompt_encoder.safetensors"));
}

TEST_CASE("a projected prefix saves its output as peft does and resumes from its encoder file", "[prompt]") {
  auto base = std::make_shared<Recorder>();
  const auto prefix = stage("prefix", {"num_virtual_tokens=2", "prefix_projection=true", "encoder_hidden_size=3"});
  const auto adapter = prefix->attach(base);
  CHECK(adapter->parameters().size() == 5);
  TempDir dir;
  adapter->save(dir.path);
  const auto saved = tp::safetensors::File::open(dir.path / "adapter_model.safetensors");
  CHECK(saved->find("prompt_embeddings")->shape == std::vector<std::int64_t>{2, kLayers * 2 * kKvHeads * kHeadDim});
  const nlohmann::json config = read_json(dir.path / "adapter_config.json");
  CHECK(config["peft_type"] == "PREFIX_TUNING");
  CHECK(config["token_dim"] == kKvHeads * kHeadDim);
  CHECK(config["num_attention_heads"] == kKvHeads);
  CHECK(config["prefix_projection"] == true);
  CHECK(config["encoder_hidden_size"] == 3);

  const auto resumed = prefix->load(base, dir.path);
  REQUIRE(resumed->parameters().size() == 5);
  for (std::size_t i = 0; i < 5; ++i) CHECK(at::equal(resumed->parameters()[i].second, adapter->parameters()[i].second));

  const auto other = stage("prefix", {"num_virtual_tokens=3", "prefix_projection=true", "encoder_hidden_size=3",
                                      "init=\"" + dir.path.string() + "\""});
  CHECK_THROWS_WITH(other->attach(base), Catch::Contains("has 2 virtual tokens through a projection of hidden size 3; "
                                                         "the options say 3 virtual tokens"));
}
