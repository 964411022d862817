#include <ATen/ATen.h>

#include <array>
#include <regex>
#include <utility>
#include <vector>

#include "tunepipe/gguf_names.hpp"

namespace tp::gguf {
namespace {

constexpr std::array kArchitectures = {
    Architecture{"llama", "LlamaForCausalLM", true},
    Architecture{"qwen2", "Qwen2ForCausalLM", false},
    Architecture{"qwen3", "Qwen3ForCausalLM", false},
};

// HF module path inside a layer → llama.cpp's, as gguf-py's tensor map names them.
constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kLayerModules = {{
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

constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kModelTensors = {{
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
}};

// Rows viewed as [heads, a, b, rest…] with a·b = rows per head, a and b swapped back to one dimension.
at::Tensor swap_row_halves(const at::Tensor& rows, std::int64_t heads, std::int64_t a, std::int64_t b) {
  std::vector<std::int64_t> split{heads, a, b};
  for (std::int64_t d = 1; d < rows.dim(); ++d) split.push_back(rows.size(d));
  return rows.reshape(split).transpose(1, 2).reshape(rows.sizes()).contiguous();
}

}  // namespace

std::span<const Architecture> architectures() { return kArchitectures; }

const Architecture* find_architecture(std::string_view gguf_name) {
  for (const Architecture& a : kArchitectures)
    if (a.name == gguf_name) return &a;
  return nullptr;
}

const Architecture* find_hf_architecture(std::string_view hf_name) {
  for (const Architecture& a : kArchitectures)
    if (a.hf_name == hf_name) return &a;
  return nullptr;
}

std::string architecture_names() {
  std::string names;
  for (const Architecture& a : kArchitectures) names += (names.empty() ? "" : ", ") + std::string(a.name);
  return names;
}

std::string tensor_name(const std::string& hf_name) {
  for (const auto& [hf, gguf] : kModelTensors)
    if (hf_name == hf) return std::string(gguf);
  static const std::regex layer(R"(model\.layers\.(\d+)\.(.+)\.(weight|bias))");
  std::smatch match;
  if (!std::regex_match(hf_name, match, layer)) return {};
  for (const auto& [hf, gguf] : kLayerModules)
    if (match[2].str() == hf) return "blk." + match[1].str() + "." + std::string(gguf) + "." + match[3].str();
  return {};
}

at::Tensor hf_to_gguf_rows(const at::Tensor& rows, std::int64_t heads) {
  return swap_row_halves(rows, heads, 2, rows.size(0) / heads / 2);
}

at::Tensor gguf_to_hf_rows(const at::Tensor& rows, std::int64_t heads) {
  return swap_row_halves(rows, heads, rows.size(0) / heads / 2, 2);
}

}  // namespace tp::gguf
