#pragma once
// What a split does with the pieces its pattern matches (HF's
// SplitDelimiterBehavior), given the text cut into matched and unmatched spans.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace tp {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// "Removed", "Isolated", ... as tokenizer.json spells them; nullopt for another name.
std::optional<SplitBehavior> split_behavior_named(std::string_view name);
inline constexpr const char* kSplitBehaviorNames = "Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous";

// A span of the text in order: matched by the pattern or the gap before the next match.
struct MatchSpan {
  std::size_t start, end;
  bool is_match;
};

// The spans of `text` where each code point for which `matches` holds is one match.
template <typename Predicate>
void find_char_matches(std::string_view text, Predicate matches, std::vector<MatchSpan>& spans);

// Appends the non-empty pieces of `text` that the behaviour keeps, in order;
// `invert` swaps matches and gaps first. `spans` is reused as scratch.
void split_spans(std::string_view text, std::vector<MatchSpan>& spans, SplitBehavior behavior, bool invert,
                 std::vector<std::string_view>& pieces);

}  // namespace tp

#include "tokenizer/utf8.hpp"

namespace tp {

template <typename Predicate>
void find_char_matches(std::string_view text, Predicate matches, std::vector<MatchSpan>& spans) {
  std::size_t gap_start = 0, pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const char32_t cp = utf8::next_code_point(text, pos);
    if (!matches(cp)) continue;
    if (gap_start < start) spans.push_back({gap_start, start, false});
    spans.push_back({start, pos, true});
    gap_start = pos;
  }
  if (gap_start < text.size()) spans.push_back({gap_start, text.size(), false});
}

}  // namespace tp
