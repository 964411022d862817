#pragma once
// A pre-tokenizer split pattern compiled with PCRE2 (UTF + UCP, JIT when
// available). Matches and the gaps between them become pieces, which is HF's
// `Split` with behaviour "Isolated".
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

 private:
  pcre2_real_code_8* code_ = nullptr;
  bool jit_ = false;
};

}  // namespace tp
