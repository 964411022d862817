#pragma once
// A split or replace pattern compiled with PCRE2 (UTF + UCP, JIT when
// available). split() gives the matches and the gaps between them as pieces,
// which is HF's `Split` with behaviour "Isolated"; find_matches() feeds the others.
#include "tokenizer/split_behavior.hpp"

#include <string>
#include <string_view>
#include <vector>

struct pcre2_real_code_8;

namespace tp {

class SplitRegex {
 public:
  // Throws std::invalid_argument with PCRE2's message when `pattern` is invalid.
  SplitRegex(const std::string& pattern, bool literal);
  ~SplitRegex();
  SplitRegex(SplitRegex&& other) noexcept;
  SplitRegex& operator=(SplitRegex&& other) noexcept;
  SplitRegex(const SplitRegex&) = delete;
  SplitRegex& operator=(const SplitRegex&) = delete;

  // Appends the non-empty pieces of `text`, which must be valid UTF-8.
  void split(std::string_view text, std::vector<std::string_view>& pieces) const;
  // Appends the matches of `text` and the gaps between them, in order.
  void find_matches(std::string_view text, std::vector<MatchSpan>& spans) const;

 private:
  // Calls on_match(start, end) for each non-empty match, left to right.
  template <typename OnMatch>
  void for_each_match(std::string_view text, OnMatch on_match) const;

  pcre2_real_code_8* code_ = nullptr;
  bool jit_ = false;
};

}  // namespace tp
