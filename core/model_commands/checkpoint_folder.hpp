#pragma once
// Writes a model as an HF checkpoint folder that transformers loads: the source
// folder's config (with the new dtype) and side files, and model.safetensors.
#include <filesystem>
#include <optional>
#include <string>

#include "tunepipe/causal_lm.hpp"

namespace tp::core::cli {

// The dtype to write, "fp32" | "bf16" | "fp16": `requested` when given (a
// tp::Error when it is none of those), else the source config.json's
// torch_dtype/dtype, else fp32.
std::string output_dtype(const std::filesystem::path& source, const std::optional<std::string>& requested);

// Writes everything to <out>.tmp-<pid> and renames it to `out` at the end. An
// existing non-empty `out` is an error unless `replace`.
void write_checkpoint_folder(const CausalLM& model, const std::filesystem::path& source, const std::string& dtype,
                             const std::filesystem::path& out, bool replace);

// The error write_checkpoint_folder would give for `out`, checked before any work.
void check_output_folder(const std::filesystem::path& out, bool replace);

}  // namespace tp::core::cli
