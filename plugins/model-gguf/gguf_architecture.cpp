#include "gguf_architecture.hpp"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <array>
#include <span>

#include "tunepipe/error.hpp"
#include "tunepipe/rope_factors.hpp"

namespace tp::gguf_model {
namespace {


// Metadata keys of an architecture that would change the math and that the
// decoder does not implement; present with a non-trivial value, they are
// refused.
constexpr std::array kUnsupportedKeys = {
    std::pair{"expert_count", "mixture-of-experts layers"},
    std::pair{"attention.sliding_window", "sliding-window attention"},
    std::pair{"attention.clamp_kqv", "clamped q/k/v projections"},
    std::pair{"attention.max_alibi_bias", "ALiBi attention"},
    std::pair{"logit_scale", "scaled logits"},
    std::pair{"attn_logit_softcapping", "attention soft-capping"},
    std::pair{"final_logit_softcapping", "logit soft-capping"},
};

[[noreturn]] void fail(const gguf::File& file, const std::string& message) {
  throw Error(Location{file.path().string()}, message);
}


std::int64_t positive(const gguf::Metadata& metadata, const std::string& key) {
  return metadata.get_integer(key, 1, std::numeric_limits<std::int32_t>::max());
}

void reject_unsupported(const gguf::File& file, const std::string& arch) {
  const gguf::Metadata& metadata = file.metadata();
  for (const auto& [suffix, what] : kUnsupportedKeys) {
    const std::string key = arch + "." + suffix;
    const gguf::Value* value = metadata.find(key);
    if (value == nullptr) continue;
    const bool trivial = (value->is_integer() && value->type() != gguf::ValueType::array &&
                          (value->is_signed_integer() ? value->as_signed() == 0 : value->as_unsigned() == 0)) ||
                         (value->is_float() && value->as_float() == 0.0);
    if (!trivial) fail(file, fmt::format("\"{}\": {} are not supported", key, what));
  }
  for (const char* suffix : {".attn_qkv.weight", ".ffn_gate_exp.weight", ".ffn_gate_inp.weight"})
    for (const gguf::TensorInfo& tensor : file.tensors())
      if (tensor.name.ends_with(suffix))
        fail(file, fmt::format("tensor \"{}\": fused or expert projections are not supported", tensor.name));
}

// RoPE scaling as an HF "rope_scaling" object; null for none.
nlohmann::json rope_scaling(const gguf::File& file, const std::string& arch) {
  const gguf::Metadata& metadata = file.metadata();
  const std::string type_key = arch + ".rope.scaling.type";
  const std::string type = metadata.find_string(type_key).value_or("none");
  if (type == "none") return nullptr;
  if (type == "linear") return {{"rope_type", "linear"}, {"factor", metadata.get_float(arch + ".rope.scaling.factor")}};
  fail(file, fmt::format("\"{}\": RoPE scaling \"{}\" is not supported (supported: none, linear)", type_key, type));
}

}  // namespace

const gguf::Architecture& architecture_of(const gguf::File& file) {
  const std::string name = file.metadata().get_string("general.architecture");
  if (const gguf::Architecture* found = gguf::find_architecture(name)) return *found;
  fail(file, fmt::format("\"general.architecture\": \"{}\" is not supported (supported: {})", name,
                         gguf::architecture_names()));
}

nlohmann::json hf_config(const gguf::File& file) {
  const gguf::Architecture& architecture = architecture_of(file);
  const std::string arch(architecture.name);
  const gguf::Metadata& metadata = file.metadata();
  reject_unsupported(file, arch);

  const gguf::TensorInfo& embedding = file.tensor_info("token_embd.weight");
  if (embedding.shape.size() != 2) fail(file, "tensor \"token_embd.weight\" must have two dimensions");
  const std::int64_t vocab_size = embedding.shape[0];
  if (const auto stated = metadata.find_integer(arch + ".vocab_size"); stated && *stated != vocab_size)
    fail(file, fmt::format("\"{}.vocab_size\" is {} but \"token_embd.weight\" has {} rows", arch, *stated, vocab_size));

  nlohmann::json config = {
      {"architectures", {std::string(architecture.hf_name)}},
      {"model_type", arch},
      {"vocab_size", vocab_size},
      {"hidden_size", positive(metadata, arch + ".embedding_length")},
      {"intermediate_size", positive(metadata, arch + ".feed_forward_length")},
      {"num_hidden_layers", positive(metadata, arch + ".block_count")},
      {"num_attention_heads", positive(metadata, arch + ".attention.head_count")},
      {"tie_word_embeddings", file.find("output.weight") == nullptr},
  };
  // Without the key llama.cpp gives every query head its own key/value head,
  // whatever HF's default for the family.
  config["num_key_value_heads"] = metadata.contains(arch + ".attention.head_count_kv")
                                      ? positive(metadata, arch + ".attention.head_count_kv")
                                      : config["num_attention_heads"].get<std::int64_t>();
  if (metadata.contains(arch + ".context_length"))
    config["max_position_embeddings"] = positive(metadata, arch + ".context_length");
  if (const auto eps = metadata.find_float(arch + ".attention.layer_norm_rms_epsilon")) config["rms_norm_eps"] = *eps;
  if (const auto theta = metadata.find_float(arch + ".rope.freq_base")) config["rope_theta"] = *theta;
  if (nlohmann::json scaling = rope_scaling(file, arch); !scaling.is_null()) config["rope_scaling"] = scaling;

  // The head size: attention.key_length where given (Qwen3), else the rotary
  // dimension (Llama), else hidden / heads; rotating part of a head is not
  // supported.
  const auto key_length = metadata.find_integer(arch + ".attention.key_length", 1, 1 << 20);
  const auto value_length = metadata.find_integer(arch + ".attention.value_length", 1, 1 << 20);
  const auto rope_dims = metadata.find_integer(arch + ".rope.dimension_count", 1, 1 << 20);
  if (key_length && value_length && *key_length != *value_length)
    fail(file, fmt::format("\"{0}.attention.key_length\" ({1}) differs from \"{0}.attention.value_length\" ({2}): "
                           "not supported",
                           arch, *key_length, *value_length));
  if (key_length)
    config["head_dim"] = *key_length;
  else if (rope_dims)
    config["head_dim"] = *rope_dims;
  const std::int64_t head_dim = config.contains("head_dim") ? config["head_dim"].get<std::int64_t>()
                                                            : config["hidden_size"].get<std::int64_t>() /
                                                                  config["num_attention_heads"].get<std::int64_t>();
  if (rope_dims && *rope_dims != head_dim)
    fail(file, fmt::format("\"{}.rope.dimension_count\" ({}) is not the head size ({}): partial rotary embeddings are "
                           "not supported",
                           arch, *rope_dims, head_dim));

  // Llama 3.1's scaling, as llama.cpp's converter stores it: a factor per rotary frequency.
  if (file.find("rope_freqs.weight") != nullptr) {
    if (config.contains("rope_scaling"))
      fail(file, fmt::format("tensor \"rope_freqs.weight\" and \"{}.rope.scaling.type\" both scale RoPE", arch));
    const at::Tensor factors = file.tensor("rope_freqs.weight").to(at::kFloat).contiguous();
    const std::optional<RopeScaling> scaling =
        llama3_scaling_of(std::span<const float>(factors.data_ptr<float>(), static_cast<std::size_t>(factors.numel())),
                          head_dim, config.value("rope_theta", 10000.0));
    if (!scaling)
      fail(file, "tensor \"rope_freqs.weight\": per-dimension RoPE factors other than Llama 3.1's scaling are not "
                 "supported");
    if (!scaling->type.empty())
      config["rope_scaling"] = {{"rope_type", scaling->type},
                                {"factor", scaling->factor},
                                {"low_freq_factor", scaling->low_freq_factor},
                                {"high_freq_factor", scaling->high_freq_factor},
                                {"original_max_position_embeddings", scaling->original_max_position_embeddings}};
  }

  // Llama-architecture files with projection biases (attention_bias in HF).
  if (arch == "llama" && file.find("blk.0.attn_q.bias") != nullptr) config["attention_bias"] = true;

  const std::int64_t last_id = vocab_size - 1;
  nlohmann::json stop = nlohmann::json::array();
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"})
    if (const auto id = metadata.find_integer(key, 0, last_id);
        id && std::find(stop.begin(), stop.end(), *id) == stop.end())
      stop.push_back(*id);
  if (!stop.empty()) config["eos_token_id"] = stop;
  if (const auto bos = metadata.find_integer("tokenizer.ggml.bos_token_id", 0, last_id)) config["bos_token_id"] = *bos;
  if (const auto pad = metadata.find_integer("tokenizer.ggml.padding_token_id", 0, last_id))
    config["pad_token_id"] = *pad;
  return config;
}

ModelInfo model_info(const gguf::File& file) {
  const nlohmann::json config = hf_config(file);
  ModelInfo info;
  info.path = file.path();
  info.architecture = config["architectures"][0].get<std::string>();
  info.model_type = config["model_type"].get<std::string>();
  info.vocab_size = config["vocab_size"].get<std::int64_t>();
  info.hidden_size = config["hidden_size"].get<std::int64_t>();
  info.num_layers = config["num_hidden_layers"].get<std::int64_t>();
  return info;
}

}  // namespace tp::gguf_model
