#include "tokenizer/pre_tokenizer_chain.hpp"

#include "tokenizer/bpe_loaders.hpp"
#include "tokenizer/char_classes.hpp"
#include "tokenizer/utf8.hpp"

namespace tp {

namespace {

// Pieces of `piece.text` (sub-views of it) back as PreTokens; only the first
// one can still start at the origin.
void emit(const PreToken& piece, const std::vector<std::string_view>& parts, std::vector<PreToken>& out) {
  for (std::string_view part : parts) out.push_back({part, piece.at_origin && part.data() == piece.text.data()});
}

template <typename Predicate>
void split_on_chars(const PreToken& piece, Predicate matches, SplitBehavior behavior, std::vector<PreToken>& out) {
  thread_local std::vector<MatchSpan> spans;
  thread_local std::vector<std::string_view> parts;
  spans.clear();
  parts.clear();
  find_char_matches(piece.text, matches, spans);
  split_spans(piece.text, spans, behavior, /*invert=*/false, parts);
  emit(piece, parts, out);
}

class PatternSplitStep final : public PreTokenizerStep {
 public:
  PatternSplitStep(SplitRegex pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void split(const PreToken& piece, std::vector<PreToken>& out, PieceArena&) const override {
    thread_local std::vector<std::string_view> parts;
    parts.clear();
    if (behavior_ == SplitBehavior::Isolated && !invert_) {
      pattern_.split(piece.text, parts);  // the common case, without the span list
    } else {
      thread_local std::vector<MatchSpan> spans;
      spans.clear();
      pattern_.find_matches(piece.text, spans);
      split_spans(piece.text, spans, behavior_, invert_, parts);
    }
    emit(piece, parts, out);
  }

 private:
  SplitRegex pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class ByteLevelSplitStep final : public PreTokenizerStep {
 public:
  ByteLevelSplitStep(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_.emplace_back(kGpt2SplitPattern, false);
  }
  void split(const PreToken& piece, std::vector<PreToken>& out, PieceArena& arena) const override {
    PreToken prefixed = piece;
    if (add_prefix_space_ && !piece.text.starts_with(' ')) {
      prefixed.text = arena.emplace_back(" ").append(piece.text);
    }
    if (regex_.empty()) {
      out.push_back(prefixed);
      return;
    }
    thread_local std::vector<std::string_view> parts;
    parts.clear();
    regex_.front().split(prefixed.text, parts);
    emit(prefixed, parts, out);
  }

 private:
  bool add_prefix_space_;
  std::vector<SplitRegex> regex_;  // empty without use_regex
};

// Digits, Punctuation, WhitespaceSplit: each character of a class is a match.
class CharClassStep final : public PreTokenizerStep {
 public:
  CharClassStep(bool (*in_class)(char32_t), SplitBehavior behavior) : in_class_(in_class), behavior_(behavior) {}
  void split(const PreToken& piece, std::vector<PreToken>& out, PieceArena&) const override {
    split_on_chars(piece, in_class_, behavior_, out);
  }

 private:
  bool (*in_class_)(char32_t);
  SplitBehavior behavior_;
};

class MetaspaceStep final : public PreTokenizerStep {
 public:
  MetaspaceStep(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {
    std::size_t pos = 0;
    replacement_cp_ = utf8::next_code_point(replacement_, pos);
  }
  void split(const PreToken& piece, std::vector<PreToken>& out, PieceArena& arena) const override {
    std::string& text = arena.emplace_back();
    text.reserve(piece.text.size() + replacement_.size());
    const bool prepend = !piece.text.starts_with(' ') && !piece.text.starts_with(replacement_) &&
                         (scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && piece.at_origin));
    if (prepend) text += replacement_;
    for (char c : piece.text) {
      if (c == ' ') {
        text += replacement_;
      } else {
        text += c;
      }
    }
    const PreToken rewritten{text, piece.at_origin};
    if (!split_) {
      if (!text.empty()) out.push_back(rewritten);
      return;
    }
    const char32_t replacement = replacement_cp_;
    split_on_chars(rewritten, [replacement](char32_t cp) { return cp == replacement; }, SplitBehavior::MergedWithNext,
                   out);
  }

 private:
  std::string replacement_;
  char32_t replacement_cp_ = 0;
  PrependScheme scheme_;
  bool split_;
};

class WhitespaceStep final : public PreTokenizerStep {
 public:
  // \w+|[^\w\s]+ kept, the rest dropped.
  void split(const PreToken& piece, std::vector<PreToken>& out, PieceArena&) const override {
    std::string_view text = piece.text;
    std::size_t pos = 0;
    int run_kind = 0;  // 0: none, 1: word, 2: other
    std::size_t run_start = 0;
    const auto close = [&](std::size_t end) {
      if (run_kind != 0) out.push_back({text.substr(run_start, end - run_start), piece.at_origin && run_start == 0});
      run_kind = 0;
    };
    while (pos < text.size()) {
      const std::size_t start = pos;
      const char32_t cp = utf8::next_code_point(text, pos);
      const int kind = char_classes::is_word(cp) ? 1 : utf8::is_white_space(cp) ? 0 : 2;
      if (kind == run_kind) continue;
      close(start);
      run_kind = kind;
      run_start = start;
    }
    close(text.size());
  }
};

class CharDelimiterStep final : public PreTokenizerStep {
 public:
  explicit CharDelimiterStep(char32_t delimiter) : delimiter_(delimiter) {}
  void split(const PreToken& piece, std::vector<PreToken>& out, PieceArena&) const override {
    const char32_t delimiter = delimiter_;
    split_on_chars(piece, [delimiter](char32_t cp) { return cp == delimiter; }, SplitBehavior::Removed, out);
  }

 private:
  char32_t delimiter_;
};

class BertStep final : public PreTokenizerStep {
 public:
  void split(const PreToken& piece, std::vector<PreToken>& out, PieceArena&) const override {
    thread_local std::vector<PreToken> words;
    words.clear();
    split_on_chars(piece, utf8::is_white_space, SplitBehavior::Removed, words);
    for (const PreToken& word : words) split_on_chars(word, char_classes::is_punctuation, SplitBehavior::Isolated, out);
  }
};

}  // namespace

std::unique_ptr<PreTokenizerStep> pattern_split_step(SplitRegex pattern, SplitBehavior behavior, bool invert) {
  return std::make_unique<PatternSplitStep>(std::move(pattern), behavior, invert);
}
std::unique_ptr<PreTokenizerStep> byte_level_split_step(bool add_prefix_space, bool use_regex) {
  return std::make_unique<ByteLevelSplitStep>(add_prefix_space, use_regex);
}
std::unique_ptr<PreTokenizerStep> digits_step(bool individual_digits) {
  return std::make_unique<CharClassStep>(char_classes::is_numeric,
                                         individual_digits ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
}
std::unique_ptr<PreTokenizerStep> metaspace_step(std::string replacement, PrependScheme scheme, bool split) {
  return std::make_unique<MetaspaceStep>(std::move(replacement), scheme, split);
}
std::unique_ptr<PreTokenizerStep> whitespace_step() { return std::make_unique<WhitespaceStep>(); }
std::unique_ptr<PreTokenizerStep> whitespace_split_step() {
  return std::make_unique<CharClassStep>(utf8::is_white_space, SplitBehavior::Removed);
}
std::unique_ptr<PreTokenizerStep> char_delimiter_step(char32_t delimiter) { return std::make_unique<CharDelimiterStep>(delimiter); }
std::unique_ptr<PreTokenizerStep> punctuation_step(SplitBehavior behavior) {
  return std::make_unique<CharClassStep>(char_classes::is_punctuation, behavior);
}
std::unique_ptr<PreTokenizerStep> bert_step() { return std::make_unique<BertStep>(); }

void PreTokenizerChain::apply(std::vector<PreToken>& pieces, std::vector<PreToken>& scratch, PieceArena& arena) const {
  for (const auto& step : steps_) {
    scratch.clear();
    for (const PreToken& piece : pieces) step->split(piece, scratch, arena);
    pieces.swap(scratch);
  }
}

}  // namespace tp
