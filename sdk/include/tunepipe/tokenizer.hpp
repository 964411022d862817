#pragma once
// The tokenizer of a model family: BPE from tokenizer.json (byte-level, or ▁
// spaces with byte fallback, with its normalizers, pre-tokenizers, post-processor
// and decoders) or vocab.json + merges.txt, or SentencePiece (tokenizer.model),
// with the added/special tokens and BOS/EOS behaviour of tokenizer_config.json.
// Ids equal HF tokenizers.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

struct SpecialTokens {
  std::optional<std::int32_t> bos, eos, pad, unk;
  bool add_bos = false;  // prepended by encode(..., add_special_tokens=true)
  bool add_eos = false;  // appended by encode(..., add_special_tokens=true)
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Special/added tokens written in the text are recognised as such, as HF does.
  virtual std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens = false) const = 0;
  virtual std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens = false) const = 0;
  virtual std::optional<std::int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::string id_to_token(std::int32_t id) const = 0;
  virtual std::size_t vocab_size() const = 0;  // including added tokens
  virtual bool is_special(std::int32_t id) const = 0;
  virtual const SpecialTokens& special_tokens() const = 0;
  virtual std::string kind() const = 0;  // "bpe" or "sentencepiece"
};

// The id that fills padding: the pad token, else EOS, else 0 (padding is
// masked out, so any id is correct; these match what HF uses).
std::int32_t padding_id(const Tokenizer& tokenizer);

// Changes to what the folder's tokenizer_config.json says, as a tutorial's
// AutoTokenizer.from_pretrained(..., eos_token=…) and add_tokens(…, special_tokens=True) make them.
struct TokenizerOptions {
  std::vector<std::string> extra_special_tokens;  // split out of text whole; existing pieces keep their ids
  std::optional<std::string> eos_token;           // replaces the config's EOS token
};

// Loads the tokenizer of an HF checkpoint folder; throws tp::Error naming the
// folder and the file that is missing or malformed.
std::shared_ptr<const Tokenizer> load_tokenizer(const std::filesystem::path& dir);
std::shared_ptr<const Tokenizer> load_tokenizer(const std::filesystem::path& dir, const TokenizerOptions& options);

}  // namespace tp
