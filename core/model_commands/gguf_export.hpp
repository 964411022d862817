#pragma once
// A model (a GGUF file or HF checkpoint folder with its adapter merged) written
// as a GGUF file llama.cpp and Ollama load: the base's metadata (tokenizer,
// chat template, BOS/EOS ids, architecture keys; export_base.hpp) with the
// merged weights in llama.cpp's names and row order, encoded as the type asked for.
#include <filesystem>
#include <optional>
#include <string>

#include "export_base.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/gguf.hpp"
#include "tunepipe/gguf_names.hpp"

namespace tp::core::cli {

struct GgufExportOptions {
  gguf::GgmlType type = gguf::GgmlType::F16;  // of the matrices; norms and biases stay F32, as llama.cpp keeps them
  std::optional<std::string> chat_template;   // replaces tokenizer.chat_template when given
};

// "f32" | "f16" | "bf16" | "q8_0" | "q4_0"; throws tp::UsageError naming the choices otherwise.
gguf::GgmlType export_type_named(const std::string& name);

// Rows of the weight llama.cpp names `name` (or of its LoRA B), reordered as
// the converter stores them (q/k rows of the architectures it permutes).
at::Tensor in_gguf_row_order(const gguf::Architecture& architecture, const std::string& name, const at::Tensor& rows,
                             const DecoderConfig& config);

// Writes `out` (through a temporary file renamed at the end). Throws tp::Error
// naming the tensor or key when the base file and the model disagree.
void write_gguf_export(const CausalLM& model, const ExportBase& base, const GgufExportOptions& options,
                       const std::filesystem::path& out);

}  // namespace tp::core::cli
