#pragma once
// A LoRA adapter written as llama.cpp's LoRA GGUF (llama-cli --lora,
// llama-cpp-python's lora_path, Ollama's ADAPTER): general.type = adapter,
// adapter.type = lora, adapter.lora.alpha, and per adapted weight of the base
// "<name>.lora_a" [r, in] and "<name>.lora_b" [out, r] in llama.cpp's names and
// row order; llama.cpp scales B·A by alpha / r.
#include <filesystem>

#include "export_base.hpp"
#include "tunepipe/attached_adapter.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/gguf.hpp"

namespace tp::core::cli {

// `adapter_dir` holds the adapter's adapter_config.json (r, lora_alpha,
// use_rslora); `type` is F32, F16 or BF16. Writes `out` through a temporary
// file; throws tp::Error naming the key or tensor when the adapter cannot be
// written so (another kind of adapter, per-module ranks, a target the base
// does not hold).
void write_gguf_lora(const AttachedAdapter& adapter, const std::filesystem::path& adapter_dir,
                     const DecoderConfig& config, const ExportBase& base, gguf::GgmlType type,
                     const std::filesystem::path& out);

}  // namespace tp::core::cli
