#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/split_regex.hpp"

#include <pcre2.h>

#include <stdexcept>
#include <utility>

namespace tp {

namespace {

// Match data, match context and JIT stack are per thread: SplitRegex::split is
// const and may run concurrently. The match data only needs the whole-match
// pair, which works for any pattern.
struct ThreadMatchState {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  // Long runs of whitespace make `\s+(?!\S)` backtrack deeply; 32 KiB is the default.
  pcre2_jit_stack* jit_stack = pcre2_jit_stack_create(32 * 1024, 64 * 1024 * 1024, nullptr);

  ThreadMatchState() { pcre2_jit_stack_assign(context, nullptr, jit_stack); }
  ~ThreadMatchState() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  ThreadMatchState(const ThreadMatchState&) = delete;
  ThreadMatchState& operator=(const ThreadMatchState&) = delete;
};

ThreadMatchState& thread_match_state() {
  thread_local ThreadMatchState state;
  return state;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

// PCRE2's \s also matches U+180E (MONGOLIAN VOWEL SEPARATOR), which the
// Oniguruma regexes of HF tokenizers follow Unicode's White_Space in leaving
// out. \s and \S outside classes, and classes holding \s, are rewritten to
// take it out again; other escapes and classes are copied as they are.
std::string without_mongolian_vowel_separator_as_space(const std::string& pattern) {
  static constexpr std::string_view kSeparator = "\\x{180E}";
  std::string out;
  out.reserve(pattern.size() + 16);
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      const char escaped = pattern[i + 1];
      if (escaped == 's') {
        out.append("(?:(?!").append(kSeparator).append(")\\s)");
      } else if (escaped == 'S') {
        out.append("(?:\\S|").append(kSeparator).append(")");
      } else {
        out.append(pattern, i, 2);
      }
      i += 2;
      continue;
    }
    if (pattern[i] != '[') {
      out += pattern[i++];
      continue;
    }
    // A class: find its end (a ']' first in the class is literal) and whether it holds \s.
    std::size_t end = i + 1;
    const bool negated = end < pattern.size() && pattern[end] == '^';
    if (negated) ++end;
    if (end < pattern.size() && pattern[end] == ']') ++end;
    bool space = false, non_space = false;
    while (end < pattern.size() && pattern[end] != ']') {
      if (pattern[end] == '\\' && end + 1 < pattern.size()) {
        space = space || pattern[end + 1] == 's';
        non_space = non_space || pattern[end + 1] == 'S';
        end += 2;
      } else if (pattern.compare(end, 2, "[:") == 0 && pattern.find(":]", end + 2) != std::string::npos) {
        end = pattern.find(":]", end + 2) + 2;
      } else {
        ++end;
      }
    }
    if (end >= pattern.size()) {  // unterminated: PCRE2 will say so
      out.append(pattern, i, std::string::npos);
      break;
    }
    const std::string_view klass(pattern.data() + i, end + 1 - i);
    if (!space || non_space) {
      out.append(klass);
    } else if (negated) {
      out.append("(?:").append(klass).append("|").append(kSeparator).append(")");
    } else {
      out.append("(?:(?!").append(kSeparator).append(")").append(klass).append(")");
    }
    i = end + 1;
  }
  return out;
}

}  // namespace

SplitRegex::SplitRegex(const std::string& pattern, bool literal) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  // PCRE2 refuses UCP next to LITERAL, where it would mean nothing anyway.
  const std::uint32_t options = PCRE2_UTF | PCRE2_NO_UTF_CHECK | (literal ? PCRE2_LITERAL : PCRE2_UCP);
  const std::string compiled = literal ? pattern : without_mongolian_vowel_separator_as_space(pattern);
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(compiled.data()), compiled.size(), options, &error, &offset,
                        nullptr);
  if (code_ == nullptr) {
    throw std::invalid_argument("invalid regex at offset " + std::to_string(offset) + ": " + pcre2_message(error));
  }
  jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
}

SplitRegex::~SplitRegex() {
  if (code_ != nullptr) pcre2_code_free(code_);
}

SplitRegex::SplitRegex(SplitRegex&& other) noexcept
    : code_(std::exchange(other.code_, nullptr)), jit_(other.jit_) {}

SplitRegex& SplitRegex::operator=(SplitRegex&& other) noexcept {
  std::swap(code_, other.code_);
  std::swap(jit_, other.jit_);
  return *this;
}

template <typename OnMatch>
void SplitRegex::for_each_match(std::string_view text, OnMatch on_match) const {
  auto& state = thread_match_state();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
  std::size_t search_from = 0;
  while (search_from <= text.size()) {
    // The caller validated the UTF-8 once; PCRE2 would otherwise re-check it on every call.
    const int rc = jit_ ? pcre2_jit_match(code_, subject, text.size(), search_from, PCRE2_NO_UTF_CHECK, state.data,
                                          state.context)
                        : pcre2_match(code_, subject, text.size(), search_from, PCRE2_NO_UTF_CHECK, state.data,
                                      state.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw std::runtime_error("regex match failed: " + pcre2_message(rc));
    const std::size_t start = ovector[0], end = ovector[1];
    if (end > start) {
      on_match(start, end);
      search_from = end;
    } else {
      // An empty match splits nothing: step over one character, which stays in the gap.
      if (start >= text.size()) break;
      search_from = start + 1;
      while (search_from < text.size() && (static_cast<unsigned char>(text[search_from]) & 0xC0) == 0x80) ++search_from;
    }
  }
}

void SplitRegex::split(std::string_view text, std::vector<std::string_view>& pieces) const {
  std::size_t gap_start = 0;
  for_each_match(text, [&](std::size_t start, std::size_t end) {
    if (start > gap_start) pieces.push_back(text.substr(gap_start, start - gap_start));
    pieces.push_back(text.substr(start, end - start));
    gap_start = end;
  });
  if (gap_start < text.size()) pieces.push_back(text.substr(gap_start));
}

void SplitRegex::find_matches(std::string_view text, std::vector<MatchSpan>& spans) const {
  std::size_t gap_start = 0;
  for_each_match(text, [&](std::size_t start, std::size_t end) {
    if (start > gap_start) spans.push_back({gap_start, start, false});
    spans.push_back({start, end, true});
    gap_start = end;
  });
  if (gap_start < text.size()) spans.push_back({gap_start, text.size(), false});
}

}  // namespace tp
