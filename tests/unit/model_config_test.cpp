// config.json problems the `hf` model plugin refuses before it reads a weight,
// reached through the plugin as the runtime reaches it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "plugins/plugin_registry.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/model.hpp"

namespace fs = std::filesystem;

namespace {

const tp::PluginDescriptor& hf_plugin() {
  static tp::core::PluginRegistry* registry = [] {
    auto* r = new tp::core::PluginRegistry;  // plugins stay loaded for the whole process
    r->add_default_search_paths();
    r->discover();
    return r;
  }();
  const tp::core::PluginInfo* info = registry->find("model", "hf");
  INFO("no model plugin \"hf\": build the target tunepipe-model-hf");
  REQUIRE(info != nullptr);
  return *info->descriptor;
}

// A tiny Qwen2 config.json as transformers writes it.
nlohmann::json qwen2_config() {
  return nlohmann::json::parse(R"({
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_act": "silu",
    "vocab_size": 320, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 256,
    "rms_norm_eps": 1e-06, "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"},
    "use_sliding_window": false, "sliding_window": null, "attention_dropout": 0.0,
    "layer_types": ["full_attention", "full_attention"], "tie_word_embeddings": false})");
}

class ModelFolder {
 public:
  explicit ModelFolder(const std::string& config_text) {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / ("tunepipe-model-config-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter++));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "config.json") << config_text;
  }
  explicit ModelFolder(const nlohmann::json& config) : ModelFolder(config.dump(2)) {}
  ~ModelFolder() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }
  std::string config_file() const { return (dir_ / "config.json").string(); }

 private:
  fs::path dir_;
};

tp::Options hf_options(const fs::path& dir, const std::string& device) {
  tp::Options options("model", "hf", tp::Location{"pipeline.toml", 3, 1});
  const tp::OptionSchema schema = hf_plugin().schema();
  for (const tp::OptionSpec& spec : schema.specs())
    if (spec.default_value) options.set(spec.name, *spec.default_value, tp::Location{});
  options.set("path", dir.string(), tp::Location{"pipeline.toml", 4, 1});
  options.set("device", device, tp::Location{"pipeline.toml", 5, 1});
  return options;
}

// What loading the folder's model throws ("" when it throws nothing).
std::string load_error(const fs::path& dir) {
  std::unique_ptr<tp::Stage> stage = hf_plugin().create(hf_options(dir, "cpu"), tp::StageContext{});
  auto* model = dynamic_cast<tp::ModelStage*>(stage.get());
  REQUIRE(model != nullptr);
  try {
    model->load();
  } catch (const tp::Error& error) {
    return error.what();
  }
  return "";
}

std::string config_error(const nlohmann::json& config) {
  const ModelFolder folder(config);
  const std::string error = load_error(folder.dir());
  const std::string prefix = folder.config_file() + ": error: ";
  if (error.rfind(prefix, 0) != 0) return "(not about config.json) " + error;
  return error.substr(prefix.size());
}

const std::string kSupported =
    "(supported: Ernie4_5ForCausalLM, Ernie4_5_ForCausalLM, LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, "
    "Qwen3ForCausalLM, YuanForCausalLM)";

}  // namespace

TEST_CASE("an unknown or missing architecture is refused with the supported ones", "[model_config]") {
  nlohmann::json config = qwen2_config();
  config["architectures"] = {"GPT2LMHeadModel"};
  CHECK(config_error(config) == "architecture \"GPT2LMHeadModel\" in \"architectures\" is not supported " + kSupported);
  config["architectures"] = {"Qwen2ForCausalLM", "LlamaForCausalLM"};
  CHECK(config_error(config) ==
        "\"architectures\" must list exactly one architecture (found [\"Qwen2ForCausalLM\",\"LlamaForCausalLM\"])");
  config.erase("architectures");
  CHECK(config_error(config) == "\"architectures\" is missing " + kSupported);
}

TEST_CASE("config fields that change the math but are not implemented are errors naming the key", "[model_config]") {
  struct Case {
    const char* key;
    nlohmann::json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"hidden_act", "gelu", "\"hidden_act\": \"gelu\" is not supported (only \"silu\")"},
      {"use_sliding_window", true,
       "\"use_sliding_window\": true is not supported (sliding-window attention is not implemented)"},
      {"layer_types", {"full_attention", "sliding_attention"},
       "\"layer_types\": \"sliding_attention\" is not supported (only \"full_attention\")"},
      {"attention_dropout", 0.1, "\"attention_dropout\": 0.1 is not supported (dropout inside the model must be 0)"},
      {"rope_parameters", {{"rope_type", "yarn"}, {"factor", 4.0}, {"rope_theta", 10000.0}},
       "\"rope_parameters\": RoPE type \"yarn\" is not supported (supported: default, linear, llama3)"},
      {"rope_parameters", {{"rope_type", "llama3"}, {"factor", 8.0}, {"rope_theta", 10000.0}},
       "\"rope_parameters.low_freq_factor\" is missing"},
      {"partial_rotary_factor", 0.5, "\"partial_rotary_factor\" other than 1 is not supported"},
      {"quantization_config", {{"quant_method", "gptq"}},
       "\"quantization_config\": quantized checkpoints are not supported (use the unquantized weights)"},
      {"num_key_value_heads", 3, "\"num_key_value_heads\" (3) must divide \"num_attention_heads\" (4)"},
      {"hidden_size", "64", "\"hidden_size\" must be a positive integer (found \"64\")"},
  };
  for (const Case& c : cases) {
    nlohmann::json config = qwen2_config();
    config[c.key] = c.value;
    INFO(c.key << " = " << c.value.dump());
    CHECK(config_error(config) == c.message);
  }
}

TEST_CASE("older files' rope_theta and rope_scaling are read like rope_parameters", "[model_config]") {
  nlohmann::json config = qwen2_config();
  config.erase("rope_parameters");
  config["rope_theta"] = 1000000;
  config["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}};
  CHECK(config_error(config) ==
        "\"rope_scaling\": RoPE type \"dynamic\" is not supported (supported: default, linear, llama3)");
}

TEST_CASE("missing keys and malformed files are named", "[model_config]") {
  nlohmann::json config = qwen2_config();
  config.erase("hidden_size");
  CHECK(config_error(config) == "\"hidden_size\" is missing");

  const ModelFolder folder(std::string("{\"architectures\": ["));
  CHECK_THAT(load_error(folder.dir()), Catch::StartsWith(folder.config_file() + ":1:20: error: malformed JSON: "));
}

TEST_CASE("a rope_theta that is not positive and an eos_token_id past the vocabulary are named", "[model_config]") {
  // Either loaded fine before: NaN rotary angles answered nothing; the stop id never matched.
  nlohmann::json config = qwen2_config();
  config["rope_parameters"]["rope_theta"] = -10000.0;
  CHECK(config_error(config) == "\"rope_parameters.rope_theta\" must be a positive number (found -10000)");
  config = qwen2_config();
  config["eos_token_id"] = 320;
  CHECK(config_error(config) == "\"eos_token_id\": 320 is not a token id of the model (\"vocab_size\" is 320)");
}

TEST_CASE("a valid config gets as far as the weights", "[model_config]") {
  const ModelFolder folder(qwen2_config());
  const std::string error = load_error(folder.dir());
  CHECK(error.find("config.json") == std::string::npos);
  CHECK(error.rfind(folder.dir().string(), 0) == 0);
}

TEST_CASE("ERNIE-4.5's own config.json (remote-code style, rope_theta at the top) is accepted", "[model_config]") {
  const char* assets = std::getenv("TUNEPIPE_SHARED_ASSETS");
  const fs::path dir = fs::path(assets ? assets : TUNEPIPE_SOURCE_DIR "/../shared/assets") / "tokenizers" /
                       "ernie-4.5-0.3b-base";
  if (!fs::exists(dir / "config.json")) {
    WARN("skipped: shared test assets not found at " << dir.string());
    return;
  }
  const std::string error = load_error(dir);
  CHECK(error.find("config.json") == std::string::npos);
}

TEST_CASE("the device option is checked by validate", "[model_config]") {
  const ModelFolder folder(qwen2_config());
  tp::Diagnostics errors;
  hf_plugin().validate(hf_options(folder.dir(), "gpu0"), errors);
  REQUIRE(errors.size() >= 1);
  CHECK(errors.items()[0].str() == "pipeline.toml:5:1: error: [model] hf: device \"gpu0\" is not one of auto, cpu, cuda, cuda:N");
}
