#include "decoder_config.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "tunepipe/error.hpp"

namespace tp::decoder {
namespace {

// How an architecture's projections get their biases.
enum class Biases {
  None,
  QkvAlways,             // Qwen2: q/k/v always, o_proj never
  AttentionBiasKey,      // "attention_bias": q/k/v and o_proj (Qwen3)
  AttentionAndMlpKeys,   // "attention_bias" as above, "mlp_bias" for the MLP (Llama)
  UseBiasKey,            // "use_bias": every projection (ERNIE-4.5)
};

// One architecture, described once: transformers' defaults for the keys a
// config.json may leave out, and what its layers are built with. Adding a
// Llama-like family is one entry here (and its parity test).
struct Architecture {
  const char* name;  // as "architectures" lists it
  double rms_norm_eps;
  double rope_theta;
  bool tie_word_embeddings;
  std::int64_t head_dim;                 // 0: hidden_size / num_attention_heads
  std::int64_t num_kv_heads;             // 0: num_attention_heads
  std::int64_t max_position_embeddings;  // 0: the file must say
  Biases biases;
  bool qk_norm;
  bool interleaved_rotary;
  bool reads_sliding_window;  // "sliding_window": a number, or null for none
  bool yuan2;                 // Yuan2's layers and keys (read_yuan2)
};

constexpr Architecture kArchitectures[] = {
    // Baidu's checkpoints name the architecture with an underscore, transformers without.
    {"Ernie4_5ForCausalLM", 1e-5, 500000.0, true, 128, 2, 131072, Biases::UseBiasKey, false, true, false, false},
    {"Ernie4_5_ForCausalLM", 1e-5, 500000.0, true, 128, 2, 131072, Biases::UseBiasKey, false, true, false, false},
    {"LlamaForCausalLM", 1e-6, 10000.0, false, 0, 0, 2048, Biases::AttentionAndMlpKeys, false, false, false, false},
    {"MistralForCausalLM", 1e-6, 10000.0, false, 0, 8, 131072, Biases::None, false, false, true, false},
    {"Qwen2ForCausalLM", 1e-6, 10000.0, false, 0, 32, 32768, Biases::QkvAlways, false, false, false, false},
    {"Qwen3ForCausalLM", 1e-6, 10000.0, false, 128, 32, 32768, Biases::AttentionBiasKey, true, false, false, false},
    // IEIT's modeling code (the checkpoint's auto_map) ties the head to the embeddings unless told otherwise.
    {"YuanForCausalLM", 1e-6, 10000.0, true, 0, 0, 0, Biases::None, false, false, false, true},
};

std::string supported_architectures() {
  std::string names;
  for (const auto& a : kArchitectures) names += (names.empty() ? "" : ", ") + std::string(a.name);
  return names;
}

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& json, std::string file) : json_(json), file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& message) const { throw Error(Location{file_}, message); }

  bool present(const char* key) const { return json_.contains(key) && !json_[key].is_null(); }

  std::int64_t positive_int(const char* key) const {
    if (!json_.contains(key)) fail(fmt::format("\"{}\" is missing", key));
    return positive_int_value(json_[key], key);
  }

  std::int64_t positive_int_or(const char* key, std::int64_t fallback) const {
    return present(key) ? positive_int_value(json_[key], key) : fallback;
  }

  double number_or(const char* key, double fallback) const { return present(key) ? number_value(json_[key], key) : fallback; }

  bool flag_or(const char* key, bool fallback) const {
    if (!present(key)) return fallback;
    if (!json_[key].is_boolean()) fail(fmt::format("\"{}\" must be true or false", key));
    return json_[key].get<bool>();
  }

  std::optional<std::int64_t> optional_token(const char* key) const {
    if (!present(key)) return std::nullopt;
    if (!json_[key].is_number_integer()) fail(fmt::format("\"{}\" must be a token id", key));
    return json_[key].get<std::int64_t>();
  }

  std::vector<std::int64_t> token_list(const char* key, std::int64_t vocab_size) const {
    if (!present(key)) return {};
    const nlohmann::json& value = json_[key];
    if (value.is_number_integer()) return {token_id(value, key, vocab_size)};
    std::vector<std::int64_t> ids;
    if (value.is_array())
      for (const auto& id : value) {
        if (!id.is_number_integer()) fail(fmt::format("\"{}\" must be a token id or a list of them", key));
        ids.push_back(token_id(id, key, vocab_size));
      }
    else
      fail(fmt::format("\"{}\" must be a token id or a list of them", key));
    return ids;
  }

  // An integer `value` of `key`, which must name a row of the embedding.
  std::int64_t token_id(const nlohmann::json& value, const char* key, std::int64_t vocab_size) const {
    const auto id = value.get<std::int64_t>();
    if (id < 0 || id >= vocab_size)
      fail(fmt::format("\"{}\": {} is not a token id of the model (\"vocab_size\" is {})", key, id, vocab_size));
    return id;
  }

  double number_value(const nlohmann::json& value, const std::string& key) const {
    if (!value.is_number()) fail(fmt::format("\"{}\" must be a number", key));
    return value.get<double>();
  }

  std::int64_t positive_int_value(const nlohmann::json& value, const std::string& key) const {
    if (!value.is_number_integer() || value.get<std::int64_t>() <= 0)
      fail(fmt::format("\"{}\" must be a positive integer (found {})", key, value.dump()));
    return value.get<std::int64_t>();
  }

  const nlohmann::json& json() const { return json_; }

 private:
  const nlohmann::json& json_;
  std::string file_;
};

const Architecture& architecture_of(const ConfigReader& reader) {
  const nlohmann::json& json = reader.json();
  if (!json.contains("architectures"))
    reader.fail(fmt::format("\"architectures\" is missing (supported: {})", supported_architectures()));
  const nlohmann::json& list = json["architectures"];
  if (!list.is_array() || list.size() != 1 || !list[0].is_string())
    reader.fail(fmt::format("\"architectures\" must list exactly one architecture (found {})", list.dump()));
  const std::string name = list[0].get<std::string>();
  for (const auto& a : kArchitectures)
    if (name == a.name) return a;
  reader.fail(fmt::format("architecture \"{}\" in \"architectures\" is not supported (supported: {})", name,
                          supported_architectures()));
}

void reject_unsupported_math(const ConfigReader& reader, std::int64_t num_layers) {
  const nlohmann::json& json = reader.json();
  if (reader.present("hidden_act") && json["hidden_act"] != "silu")
    reader.fail(fmt::format("\"hidden_act\": {} is not supported (only \"silu\")", json["hidden_act"].dump()));
  for (const char* key : {"attention_dropout", "hidden_dropout", "hidden_dropout_prob", "attention_probs_dropout_prob"})
    if (reader.present(key) && reader.number_or(key, 0.0) != 0.0)
      reader.fail(fmt::format("\"{}\": {} is not supported (dropout inside the model must be 0)", key,
                              json[key].dump()));
  if (reader.flag_or("use_sliding_window", false))
    reader.fail("\"use_sliding_window\": true is not supported (sliding-window attention is not implemented)");
  if (reader.present("layer_types")) {
    const nlohmann::json& types = json["layer_types"];
    if (!types.is_array() || static_cast<std::int64_t>(types.size()) != num_layers)
      reader.fail(fmt::format("\"layer_types\" must list one type per layer ({})", num_layers));
    for (const auto& type : types)
      if (type != "full_attention")
        reader.fail(fmt::format("\"layer_types\": {} is not supported (only \"full_attention\")", type.dump()));
  }
  if (reader.present("quantization_config"))
    reader.fail("\"quantization_config\": quantized checkpoints are not supported (use the unquantized weights)");
  if (reader.present("partial_rotary_factor") && reader.number_or("partial_rotary_factor", 1.0) != 1.0)
    reader.fail("\"partial_rotary_factor\" other than 1 is not supported");
}

// RoPE settings live in "rope_parameters" (transformers 5) or in
// "rope_theta" + "rope_scaling" (older files); both are read.
void read_rope(const ConfigReader& reader, const Architecture& defaults, DecoderConfig& config) {
  const nlohmann::json& json = reader.json();
  const char* key = reader.present("rope_parameters") ? "rope_parameters" : "rope_scaling";
  nlohmann::json params = reader.present(key) ? json[key] : nlohmann::json::object();
  if (!params.is_object()) reader.fail(fmt::format("\"{}\" must be an object", key));
  if (params.contains("full_attention")) {
    if (params.size() != 1)
      reader.fail(fmt::format("\"{}\": per-layer-type RoPE settings are not supported (only \"full_attention\")", key));
    params = params["full_attention"];
  }
  auto number = [&](const char* name, std::optional<double> fallback) -> double {
    if (params.contains(name) && !params[name].is_null())
      return reader.number_value(params[name], fmt::format("{}.{}", key, name));
    if (!fallback) reader.fail(fmt::format("\"{}.{}\" is missing", key, name));
    return *fallback;
  };
  const bool nested_theta = params.contains("rope_theta");
  config.rope_theta = nested_theta ? number("rope_theta", std::nullopt) : reader.number_or("rope_theta", defaults.rope_theta);
  // Zero, negative or infinite, every rotary angle is NaN: the model would answer nothing, without an error.
  if (!(config.rope_theta > 0) || !std::isfinite(config.rope_theta))
    reader.fail(fmt::format("\"{}\" must be a positive number (found {})",
                            nested_theta ? fmt::format("{}.rope_theta", key) : std::string("rope_theta"),
                            config.rope_theta));
  if (number("partial_rotary_factor", 1.0) != 1.0)
    reader.fail(fmt::format("\"{}.partial_rotary_factor\" other than 1 is not supported", key));

  std::string type = "default";
  for (const char* name : {"rope_type", "type"})
    if (params.contains(name) && params[name].is_string()) {
      type = params[name].get<std::string>();
      break;
    }
  RopeScaling& scaling = config.rope_scaling;
  if (type == "default") {
    scaling.type.clear();
  } else if (type == "linear") {
    scaling.type = type;
    scaling.factor = number("factor", std::nullopt);
  } else if (type == "llama3") {
    scaling.type = type;
    scaling.factor = number("factor", std::nullopt);
    scaling.low_freq_factor = number("low_freq_factor", std::nullopt);
    scaling.high_freq_factor = number("high_freq_factor", std::nullopt);
    scaling.original_max_position_embeddings = static_cast<std::int64_t>(
        number("original_max_position_embeddings", static_cast<double>(config.max_position_embeddings)));
    if (scaling.high_freq_factor == scaling.low_freq_factor)
      reader.fail(fmt::format("\"{}\": high_freq_factor must differ from low_freq_factor", key));
  } else {
    reader.fail(fmt::format("\"{}\": RoPE type \"{}\" is not supported (supported: default, linear, llama3)", key, type));
  }
  if (scaling.type.size() && scaling.factor <= 0) reader.fail(fmt::format("\"{}.factor\" must be positive", key));
}

// What IEIT's Yuan2 code reads besides the common keys, or would compute differently: refused unless it is what
// that code does.
void read_yuan2(const ConfigReader& reader, const DecoderConfig& config, LayerSettings& layers) {
  const nlohmann::json& json = reader.json();
  if (config.num_kv_heads != config.num_heads)
    reader.fail("\"num_key_value_heads\": Yuan2's attention has one key/value head per query head");
  if (!reader.present("max_position_embeddings")) reader.fail("\"max_position_embeddings\" is missing");
  for (const char* key : {"rope_theta", "rope_scaling", "rope_parameters"})
    if (reader.present(key))
      reader.fail(fmt::format("\"{}\": Yuan2's modeling code rotates with base 10000 and reads no RoPE settings; "
                              "remove the key",
                              key));
  if (reader.flag_or("use_loss_mask", false))
    reader.fail("\"use_loss_mask\": true is not supported (the reference code fails with it; the template's labels "
                "say what is trained): set it to false");
  if (reader.flag_or("use_shareqk", false))
    reader.fail("\"use_shareqk\": true (shared query/key projections without LocalizedFiltering) is not supported");
  layers.yuan2_layers = true;
  // IEIT's code blocks attention across <eod> in training mode, and in evaluation too when reset_position_ids is
  // set (which, despite its name, resets no position).
  if (reader.flag_or("reset_attention_mask", false)) {
    if (!reader.present("eod_token"))
      reader.fail("\"reset_attention_mask\" is true but \"eod_token\" is missing: the token attention resets after");
    if (!json["eod_token"].is_number_integer()) reader.fail("\"eod_token\" must be a token id");
    layers.attention_resets_after = reader.token_id(json["eod_token"], "eod_token", config.vocab_size);
    layers.resets_without_gradients = reader.flag_or("reset_position_ids", false);
  }
}

std::optional<std::int64_t> read_sliding_window(const ConfigReader& reader) {
  if (!reader.present("sliding_window")) return std::nullopt;
  return reader.positive_int("sliding_window");
}

void read_biases(const ConfigReader& reader, Biases biases, LayerSettings& layers) {
  switch (biases) {
    case Biases::None: break;
    case Biases::QkvAlways: layers.qkv_bias = true; break;
    case Biases::AttentionBiasKey: layers.qkv_bias = layers.output_bias = reader.flag_or("attention_bias", false); break;
    case Biases::AttentionAndMlpKeys:
      layers.qkv_bias = layers.output_bias = reader.flag_or("attention_bias", false);
      layers.mlp_bias = reader.flag_or("mlp_bias", false);
      break;
    case Biases::UseBiasKey:
      layers.qkv_bias = layers.output_bias = layers.mlp_bias = reader.flag_or("use_bias", false);
      break;
  }
}

}  // namespace

DecoderDescription describe_decoder(const nlohmann::json& json, const std::string& file) {
  const ConfigReader reader(json, file);
  if (!json.is_object()) reader.fail("expected a JSON object");
  const Architecture& defaults = architecture_of(reader);

  DecoderDescription description;
  DecoderConfig& config = description.config;
  LayerSettings& layers = description.layers;
  config.architecture = defaults.name;
  config.vocab_size = reader.positive_int("vocab_size");
  config.hidden_size = reader.positive_int("hidden_size");
  config.intermediate_size = reader.positive_int("intermediate_size");
  config.num_layers = reader.positive_int("num_hidden_layers");
  config.num_heads = reader.positive_int("num_attention_heads");
  config.num_kv_heads = reader.positive_int_or("num_key_value_heads",
                                               defaults.num_kv_heads ? defaults.num_kv_heads : config.num_heads);
  if (config.num_heads % config.num_kv_heads != 0)
    reader.fail(fmt::format("\"num_key_value_heads\" ({}) must divide \"num_attention_heads\" ({})",
                            config.num_kv_heads, config.num_heads));
  // An explicit null means hidden_size / heads even where the default is a number.
  const bool head_dim_null = json.contains("head_dim") && json["head_dim"].is_null();
  const std::int64_t derived_head_dim = config.hidden_size / config.num_heads;
  config.head_dim = reader.positive_int_or(
      "head_dim", head_dim_null || defaults.head_dim == 0 ? derived_head_dim : defaults.head_dim);
  if (config.head_dim % 2 != 0) reader.fail(fmt::format("\"head_dim\" ({}) must be even for RoPE", config.head_dim));
  config.max_position_embeddings = reader.positive_int_or("max_position_embeddings", defaults.max_position_embeddings);
  config.rms_norm_eps = reader.number_or("rms_norm_eps", defaults.rms_norm_eps);
  config.tie_word_embeddings = reader.flag_or("tie_word_embeddings", defaults.tie_word_embeddings);

  reject_unsupported_math(reader, config.num_layers);
  if (defaults.yuan2)
    read_yuan2(reader, config, layers);
  else
    read_rope(reader, defaults, config);
  read_biases(reader, defaults.biases, layers);
  layers.qk_norm = defaults.qk_norm;
  layers.interleaved_rotary = defaults.interleaved_rotary;
  if (defaults.reads_sliding_window) layers.sliding_window = read_sliding_window(reader);

  config.eos_token_ids = reader.token_list("eos_token_id", config.vocab_size);
  // bos/pad are left unchecked: old configs write -1 for "none", and transformers accepts it.
  config.bos_token_id = reader.optional_token("bos_token_id");
  config.pad_token_id = reader.optional_token("pad_token_id");
  return description;
}

}  // namespace tp::decoder
