#include "gguf_weights.hpp"

#include <array>
#include <regex>

namespace tp::gguf_model {
namespace {

// HF module path inside a layer → llama.cpp's, as gguf-py's tensor map names
// them.
constexpr std::array<std::pair<const char*, const char*>, 11> kLayerModules = {{
    {"input_layernorm", "attn_norm"},
    {"post_attention_layernorm", "ffn_norm"},
    {"self_attn.q_proj", "attn_q"},
    {"self_attn.k_proj", "attn_k"},
    {"self_attn.v_proj", "attn_v"},
    {"self_attn.o_proj", "attn_output"},
    {"self_attn.q_norm", "attn_q_norm"},
    {"self_attn.k_norm", "attn_k_norm"},
    {"mlp.gate_proj", "ffn_gate"},
    {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},
}};

constexpr std::array<std::pair<const char*, const char*>, 3> kModelTensors = {{
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
}};

// convert_hf_to_gguf.py stores q and k with the two halves of each head's rows
// interleaved (rows 0, d/2, 1, d/2+1, …), the layout of ggml's rotary kernel;
// this is its inverse. `heads` is the number of heads the rows belong to.
at::Tensor unpermute_rows(const at::Tensor& stored, std::int64_t heads) {
  std::vector<std::int64_t> split{heads, stored.size(0) / heads / 2, 2};
  for (std::int64_t d = 1; d < stored.dim(); ++d) split.push_back(stored.size(d));
  return stored.reshape(split).transpose(1, 2).reshape(stored.sizes());
}

}  // namespace

std::string gguf_tensor_name(const std::string& hf_name) {
  for (const auto& [hf, gguf] : kModelTensors)
    if (hf_name == hf) return gguf;
  static const std::regex layer(R"(model\.layers\.(\d+)\.(.+)\.(weight|bias))");
  std::smatch match;
  if (!std::regex_match(hf_name, match, layer)) return {};
  for (const auto& [hf, gguf] : kLayerModules)
    if (match[2] == hf) return "blk." + match[1].str() + "." + gguf + "." + match[3].str();
  return {};
}

GgufWeights::GgufWeights(std::shared_ptr<const gguf::File> file, const GgufArchitecture& architecture,
                         std::int64_t heads, std::int64_t kv_heads)
    : file_(std::move(file)), architecture_(architecture), heads_(heads), kv_heads_(kv_heads) {}

bool GgufWeights::contains(const std::string& name) const {
  const std::string stored = gguf_tensor_name(name);
  return !stored.empty() && file_->find(stored) != nullptr;
}

at::Tensor GgufWeights::tensor(const std::string& name) const {
  const std::string stored = gguf_tensor_name(name);
  at::Tensor values = file_->tensor(stored);
  if (architecture_.permuted_qk) {
    const bool query = stored.find(".attn_q.") != std::string::npos;
    const bool key = stored.find(".attn_k.") != std::string::npos;
    const std::int64_t heads = query ? heads_ : kv_heads_;
    // A shape that does not split into heads is left as it is: the loader's
    // shape check reports it.
    if ((query || key) && values.dim() >= 1 && values.size(0) % (2 * heads) == 0)
      values = unpermute_rows(values, heads);
  }
  return values;
}

std::string GgufWeights::display_name(const std::string& name) const {
  const std::string stored = gguf_tensor_name(name);
  return stored.empty() ? name : stored + " (" + name + ")";
}

}  // namespace tp::gguf_model
