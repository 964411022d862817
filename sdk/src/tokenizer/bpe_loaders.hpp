#pragma once
// Builders of the BPE tokenizer from HF's file formats.
#include "tokenizer/tokenizer_config.hpp"
#include "tunepipe/tokenizer.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>

namespace tp {

// The split pattern of Qwen2's tokenizer (used when only vocab.json + merges.txt exist).
inline constexpr const char* kQwen2SplitPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// The pattern of HF's ByteLevel pre-tokenizer with use_regex (GPT-2's).
inline constexpr const char* kGpt2SplitPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// True when tokenizer.json describes a BPE model (the kind load_bpe_tokenizer_json reads).
bool is_bpe_tokenizer_json(const nlohmann::json& tokenizer_json);

// Throws tp::Error naming `file` and the feature for anything unsupported.
std::shared_ptr<const Tokenizer> load_bpe_tokenizer_json(const std::filesystem::path& file,
                                                         const nlohmann::json& tokenizer_json,
                                                         const TokenizerConfig& config);

// Whether vocab.json + merges.txt split as GPT-2 (its own tokenizer class: ByteLevel's regex, no normalizer)
// rather than as Qwen2 (the others that ship these two files: Qwen2, Qwen2.5; NFC, then Qwen2's pattern).
bool vocab_merges_split_as_gpt2(const TokenizerConfig& config);

// vocab.json + merges.txt in `dir`, with the pipeline of the config's tokenizer class.
std::shared_ptr<const Tokenizer> load_bpe_vocab_merges(const std::filesystem::path& dir, const TokenizerConfig& config);

}  // namespace tp
