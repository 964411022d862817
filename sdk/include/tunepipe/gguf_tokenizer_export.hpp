#pragma once
// The tokenizer of an HF checkpoint folder as the tokenizer.ggml.* metadata
// llama.cpp reads, written as llama.cpp's converter (convert_hf_to_gguf.py)
// writes it, so that llama.cpp, Ollama and transformers' GGUF loading give the
// ids the folder's own tokenizer gives.
#include "tunepipe/gguf.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace tp::gguf {

// "gpt2" for byte-level BPE (tokenizer.json, or vocab.json + merges.txt) with tokenizer.ggml.pre naming its
// split, "llama" for SentencePiece (tokenizer.model) with scores; added tokens as control tokens (special) or
// user-defined ones; ids without a token, up to `rows` (the embedding's rows), as unused "[PAD<id>]"; the
// bos/eos/unk/pad ids and add_bos/add_eos of the folder's tokenizer_config.json. Throws tp::Error naming the
// file and what is not supported (a split no GGUF pre type names, a normalizer llama.cpp does not apply, BPE
// with ▁ spaces but no tokenizer.model, more tokens than rows).
std::vector<std::pair<std::string, Value>> tokenizer_entries(const std::filesystem::path& folder, std::int64_t rows);

}  // namespace tp::gguf
