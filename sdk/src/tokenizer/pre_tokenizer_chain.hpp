#pragma once
// HF pre-tokenizers in order (a "Sequence" or a single one): each cuts every
// piece of the previous step into smaller pieces, and some rewrite them
// (Metaspace's ▁, ByteLevel's prefix space). ByteLevel's byte-to-character
// mapping itself is left to the BPE model, which then takes raw bytes.
#include "tokenizer/split_behavior.hpp"
#include "tokenizer/split_regex.hpp"

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

struct PreToken {
  std::string_view text;
  bool at_origin = false;  // starts at offset 0 of the text given to encode (Metaspace's prepend_scheme "first")
};

// Rewritten pieces live here until the encode call that made them ends;
// a deque never moves what it holds.
using PieceArena = std::deque<std::string>;

class PreTokenizerStep {
 public:
  virtual ~PreTokenizerStep() = default;
  virtual void split(const PreToken& piece, std::vector<PreToken>& out, PieceArena& arena) const = 0;
};

enum class PrependScheme { First, Always, Never };

// Split: a regex or literal pattern with a behaviour, optionally inverted.
std::unique_ptr<PreTokenizerStep> pattern_split_step(SplitRegex pattern, SplitBehavior behavior, bool invert);
// ByteLevel's part before the byte mapping: an optional space in front, an optional GPT-2 split.
std::unique_ptr<PreTokenizerStep> byte_level_split_step(bool add_prefix_space, bool use_regex);
std::unique_ptr<PreTokenizerStep> digits_step(bool individual_digits);
// Spaces become `replacement`, which is prepended by the scheme and split before when `split`.
std::unique_ptr<PreTokenizerStep> metaspace_step(std::string replacement, PrependScheme scheme, bool split);
// Whitespace: runs of \w and of other non-space characters; spaces dropped.
std::unique_ptr<PreTokenizerStep> whitespace_step();
// WhitespaceSplit, CharDelimiterSplit: the delimiter is dropped.
std::unique_ptr<PreTokenizerStep> whitespace_split_step();
std::unique_ptr<PreTokenizerStep> char_delimiter_step(char32_t delimiter);
std::unique_ptr<PreTokenizerStep> punctuation_step(SplitBehavior behavior);
// BertPreTokenizer: WhitespaceSplit, then every punctuation character alone.
std::unique_ptr<PreTokenizerStep> bert_step();

class PreTokenizerChain {
 public:
  void add(std::unique_ptr<PreTokenizerStep> step) { steps_.push_back(std::move(step)); }
  // Replaces `pieces` with the pieces of all steps; `scratch` is reused.
  void apply(std::vector<PreToken>& pieces, std::vector<PreToken>& scratch, PieceArena& arena) const;

 private:
  std::vector<std::unique_ptr<PreTokenizerStep>> steps_;
};

}  // namespace tp
