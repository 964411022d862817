#include "tokenizer/split_behavior.hpp"

#include <algorithm>

namespace tp {

std::optional<SplitBehavior> split_behavior_named(std::string_view name) {
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  return std::nullopt;
}

namespace {

struct Kept {
  std::size_t start, end;
};

// The folds of HF's NormalizedString::split, one per behaviour.
void merge_spans(const std::vector<MatchSpan>& spans, SplitBehavior behavior, std::vector<Kept>& kept) {
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::Removed:
      for (const MatchSpan& s : spans) {
        if (!s.is_match) kept.push_back({s.start, s.end});
      }
      return;
    case SplitBehavior::Isolated:
      for (const MatchSpan& s : spans) kept.push_back({s.start, s.end});
      return;
    case SplitBehavior::Contiguous:
      for (const MatchSpan& s : spans) {
        if (s.is_match == previous_match && !kept.empty()) {
          kept.back().end = s.end;
        } else {
          kept.push_back({s.start, s.end});
        }
        previous_match = s.is_match;
      }
      return;
    case SplitBehavior::MergedWithPrevious:
      for (const MatchSpan& s : spans) {
        if (s.is_match && !previous_match && !kept.empty()) {
          kept.back().end = s.end;
        } else {
          kept.push_back({s.start, s.end});
        }
        previous_match = s.is_match;
      }
      return;
    case SplitBehavior::MergedWithNext:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !previous_match && !kept.empty()) {
          kept.back().start = it->start;
        } else {
          kept.push_back({it->start, it->end});
        }
        previous_match = it->is_match;
      }
      std::reverse(kept.begin(), kept.end());
      return;
  }
}

}  // namespace

void split_spans(std::string_view text, std::vector<MatchSpan>& spans, SplitBehavior behavior, bool invert,
                 std::vector<std::string_view>& pieces) {
  if (invert) {
    for (MatchSpan& s : spans) s.is_match = !s.is_match;
  }
  thread_local std::vector<Kept> kept;
  kept.clear();
  merge_spans(spans, behavior, kept);
  for (const Kept& k : kept) {
    if (k.end > k.start) pieces.push_back(text.substr(k.start, k.end - k.start));
  }
}

}  // namespace tp
