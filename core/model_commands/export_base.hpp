#pragma once
// What a GGUF export writes besides the weights, taken from the base the
// model was loaded from: a GGUF file's own metadata (tokenizer, chat template,
// architecture keys) and tensor order, or for an HF checkpoint folder the
// metadata llama.cpp's converter would write for its config and tokenizer.
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tunepipe/causal_lm.hpp"
#include "tunepipe/gguf.hpp"
#include "tunepipe/gguf_names.hpp"

namespace tp::core::cli {

struct ExportBase {
  std::filesystem::path path;  // the GGUF file or the folder, for messages
  const gguf::Architecture* architecture = nullptr;
  // Describes the model, not how the file stores it (no general.alignment, general.file_type, quantization version).
  gguf::Metadata metadata;
  std::uint64_t alignment = 32;
  // A GGUF base: the order of its tensors, and those the decoder does not hold, copied as stored. Null for a folder.
  std::shared_ptr<const gguf::File> file;
  // A folder's tensors the decoder does not hold but llama.cpp reads: Llama 3.1's RoPE factors (rope_freqs.weight).
  std::vector<std::pair<std::string, std::vector<float>>> extra_tensors;
};

// Throws tp::Error naming the file when its general.architecture cannot be exported.
ExportBase gguf_export_base(std::shared_ptr<const gguf::File> file);

// config.json's architecture (the GGUF ones tunepipe reads: llama, qwen2, qwen3) and its hyperparameters, the
// folder's tokenizer (tunepipe/gguf_tokenizer_export.hpp) and chat template; RoPE scaling as keys (linear) or as
// rope_freqs.weight (llama3). Throws tp::Error naming the folder's file and what cannot be written (another
// architecture or scaling).
ExportBase hf_export_base(const std::filesystem::path& folder, const DecoderConfig& config);

}  // namespace tp::core::cli
