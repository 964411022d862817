#pragma once
// HF decoders in order (a "Sequence" or a single one), each turning the list
// of token strings into a new list; the result is joined. Without any decoder
// HF joins the tokens with spaces.
#include "tokenizer/pre_tokenizer_chain.hpp"
#include "tokenizer/split_regex.hpp"

#include <memory>
#include <string>
#include <vector>

namespace tp {

class DecoderStep {
 public:
  virtual ~DecoderStep() = default;
  virtual void apply(std::vector<std::string>& tokens) const = 0;
};

// Characters of the byte-level alphabet back to bytes, as one lossy UTF-8 string.
std::unique_ptr<DecoderStep> byte_level_decoder();
// In each token every match of `pattern` becomes `content`.
std::unique_ptr<DecoderStep> replace_decoder(SplitRegex pattern, std::string content);
// Runs of <0xXX> tokens become their UTF-8 text, or one U+FFFD per byte when invalid.
std::unique_ptr<DecoderStep> byte_fallback_decoder();
std::unique_ptr<DecoderStep> fuse_decoder();
// Up to `start` leading and `stop` trailing `content` characters removed from each token.
std::unique_ptr<DecoderStep> strip_decoder(char32_t content, std::size_t start, std::size_t stop);
// The replacement becomes a space; in the first token it is dropped unless the scheme is "never".
std::unique_ptr<DecoderStep> metaspace_decoder(std::string replacement, PrependScheme scheme);

class DecoderChain {
 public:
  void add(std::unique_ptr<DecoderStep> step) { steps_.push_back(std::move(step)); }
  std::string decode(std::vector<std::string> tokens) const;

 private:
  std::vector<std::unique_ptr<DecoderStep>> steps_;
};

}  // namespace tp
