#pragma once
// The tokenizer a GGUF file describes in its tokenizer.ggml.* metadata, built
// as transformers builds it (AutoTokenizer.from_pretrained(dir, gguf_file=…)),
// so that ids equal transformers' for the same file.
#include "tunepipe/gguf.hpp"
#include "tunepipe/tokenizer.hpp"

#include <memory>
#include <optional>
#include <string>

namespace tp::gguf {

// The tokenizer of tokenizer.ggml.*: "gpt2" (byte-level BPE with tokenizer.ggml.merges, split pattern from
// tokenizer.ggml.pre) and "llama" (SentencePiece-style BPE with ▁ and byte fallback, merges from the file or
// derived from tokenizer.ggml.scores as transformers' generate_merges does); control tokens (token_type 3) are
// special added tokens and user-defined ones (4) plain added tokens, as transformers adds them; bos/eos/unk/pad
// from tokenizer.ggml.*_token_id, add_bos/add_eos from tokenizer.ggml.add_bos_token/add_eos_token (a "llama"
// vocabulary without the flag adds BOS). `options` as for an HF folder. Throws tp::Error naming the file and the
// key (an unknown tokenizer.ggml.model or .pre lists the supported ones).
std::shared_ptr<const Tokenizer> load_tokenizer(const File& file, const TokenizerOptions& options = {});

// tokenizer.chat_template (name empty) or tokenizer.chat_template.<name>; nullopt when absent.
std::optional<std::string> chat_template(const File& file, const std::string& name = {});

}  // namespace tp::gguf
