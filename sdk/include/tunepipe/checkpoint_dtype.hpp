#pragma once
// The dtype a checkpoint is stored in, for `dtype = "auto"` (what transformers
// 5 loads by default).
#include <filesystem>
#include <string>

namespace tp {

// The dtype config.json names ("dtype", or the older "torch_dtype") as fp32,
// bf16 or fp16; fp32 when it names none or another one.
std::string checkpoint_dtype(const std::filesystem::path& dir);

// `requested` with "auto" replaced by checkpoint_dtype(dir).
std::string resolve_dtype(const std::string& requested, const std::filesystem::path& dir);

}  // namespace tp
