#include "tokenizer/bpe_loaders.hpp"
#include "tokenizer/json_file.hpp"
#include "tokenizer/sentencepiece_tokenizer.hpp"
#include "tokenizer/tokenizer_config.hpp"
#include "tunepipe/tokenizer.hpp"

namespace tp {

namespace fs = std::filesystem;

// tokenizer.json wins when it is BPE (the only model kind we read), as it does
// for transformers' AutoTokenizer; otherwise tokenizer.model, then vocab.json + merges.txt.
std::shared_ptr<const Tokenizer> load_tokenizer(const fs::path& dir) { return load_tokenizer(dir, TokenizerOptions{}); }

std::shared_ptr<const Tokenizer> load_tokenizer(const fs::path& dir, const TokenizerOptions& options) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) fail_in_file(dir, "tokenizer folder does not exist");
  if (!fs::is_directory(dir, ec)) fail_in_file(dir, "expected a checkpoint folder holding the tokenizer files");
  TokenizerConfig config = read_tokenizer_config(dir);
  apply_tokenizer_options(options, config);

  const fs::path json_file = dir / "tokenizer.json";
  const fs::path model_file = dir / "tokenizer.model";
  const bool has_model = fs::exists(model_file, ec);
  if (fs::exists(json_file, ec)) {
    const nlohmann::json root = read_json_file(json_file);
    if (is_bpe_tokenizer_json(root) || !has_model) return load_bpe_tokenizer_json(json_file, root, config);
  }
  if (has_model) return std::make_shared<SentencePieceTokenizer>(model_file, config);
  if (fs::exists(dir / "vocab.json", ec) && fs::exists(dir / "merges.txt", ec)) return load_bpe_vocab_merges(dir, config);
  fail_in_file(dir, "no tokenizer files: looked for tokenizer.json, tokenizer.model, and vocab.json with merges.txt");
}

}  // namespace tp

namespace tp {

std::int32_t padding_id(const Tokenizer& tokenizer) {
  const SpecialTokens& special = tokenizer.special_tokens();
  return special.pad.value_or(special.eos.value_or(0));
}

}  // namespace tp
