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

}  // namespace

SplitRegex::SplitRegex(const std::string& pattern, bool literal) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  const std::uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | (literal ? PCRE2_LITERAL : 0);
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error, &offset,
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

void SplitRegex::split(std::string_view text, std::vector<std::string_view>& pieces) const {
  auto& state = thread_match_state();
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
  std::size_t gap_start = 0, search_from = 0;
  while (search_from <= text.size()) {
    // The caller validated the UTF-8 once; PCRE2 would otherwise re-check it on every call.
    const int rc = jit_ ? pcre2_jit_match(code_, subject, text.size(), search_from, PCRE2_NO_UTF_CHECK, state.data,
                                          state.context)
                        : pcre2_match(code_, subject, text.size(), search_from, PCRE2_NO_UTF_CHECK, state.data,
                                      state.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw std::runtime_error("regex match failed: " + pcre2_message(rc));
    const std::size_t start = ovector[0], end = ovector[1];
    if (start > gap_start) pieces.push_back(text.substr(gap_start, start - gap_start));
    if (end > start) {
      pieces.push_back(text.substr(start, end - start));
      gap_start = search_from = end;
    } else {
      // An empty match splits nothing: step over one character, which stays in the gap.
      if (start >= text.size()) break;
      search_from = start + 1;
      while (search_from < text.size() && (static_cast<unsigned char>(text[search_from]) & 0xC0) == 0x80) ++search_from;
    }
  }
  if (gap_start < text.size()) pieces.push_back(text.substr(gap_start));
}

}  // namespace tp
