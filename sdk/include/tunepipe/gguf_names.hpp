#pragma once
// How llama.cpp's GGUF files name what HF checkpoints name otherwise: the
// architectures (general.architecture ↔ config.json's "architectures"), the
// tensors ("model.layers.3.self_attn.q_proj.weight" ↔ "blk.3.attn_q.weight"),
// and the order of q/k rows its converter writes for the llama architecture.
// Shared by the gguf model plugin (reading) and `tunepipe export` (writing).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tp::gguf {

struct Architecture {
  std::string_view name;     // general.architecture, e.g. "llama"
  std::string_view hf_name;  // e.g. "LlamaForCausalLM"
  bool permuted_qk;          // convert_hf_to_gguf.py reorders q/k rows for ggml's rotary layout
};

// The architectures whose decoder tunepipe computes, in the order errors list them.
std::span<const Architecture> architectures();
// nullptr when tunepipe has no such architecture.
const Architecture* find_architecture(std::string_view gguf_name);
const Architecture* find_hf_architecture(std::string_view hf_name);
// "llama, qwen2, qwen3".
std::string architecture_names();

// llama.cpp's name of an HF weight name; empty when it has none.
std::string tensor_name(const std::string& hf_name);

// A q or k projection's rows (weight [heads·head_dim, in] or bias [heads·head_dim]) from HF's order to the
// converter's (two halves of each head interleaved: rows 0, d/2, 1, d/2+1, …) and back. `heads` is the
// number of heads the rows belong to (key/value heads for k).
at::Tensor hf_to_gguf_rows(const at::Tensor& rows, std::int64_t heads);
at::Tensor gguf_to_hf_rows(const at::Tensor& rows, std::int64_t heads);

}  // namespace tp::gguf
