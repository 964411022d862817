#include "tokenizer/normalizer_chain.hpp"

#include "tokenizer/char_classes.hpp"
#include "tokenizer/utf8.hpp"

#include <utf8proc.h>

namespace tp {

namespace {

class UnicodeFormStep final : public NormalizerStep {
 public:
  explicit UnicodeFormStep(NormalizationForm form) : form_(form) {}
  bool apply(std::string_view text, std::string& out) const override { return normalize(form_, text, out); }

 private:
  NormalizationForm form_;
};

// Rust's char::to_lowercase: the simple mapping, except that İ becomes "i̇".
class LowercaseStep final : public NormalizerStep {
 public:
  bool apply(std::string_view text, std::string& out) const override {
    out.clear();
    out.reserve(text.size());
    bool changed = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const char32_t cp = utf8::next_code_point(text, pos);
      if (cp == 0x130) {
        out += "i\xCC\x87";
        changed = true;
        continue;
      }
      const auto lower = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
      changed = changed || lower != cp;
      utf8::append_code_point(out, lower);
    }
    return changed;
  }
};

class ReplaceStep final : public NormalizerStep {
 public:
  ReplaceStep(SplitRegex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  bool apply(std::string_view text, std::string& out) const override {
    thread_local std::vector<MatchSpan> spans;
    spans.clear();
    pattern_.find_matches(text, spans);
    if (spans.size() == 1 && !spans[0].is_match) return false;
    out.clear();
    for (const MatchSpan& span : spans) {
      if (span.is_match) {
        out += content_;
      } else {
        out.append(text.substr(span.start, span.end - span.start));
      }
    }
    return true;
  }

 private:
  SplitRegex pattern_;
  std::string content_;
};

class PrependStep final : public NormalizerStep {
 public:
  explicit PrependStep(std::string prefix) : prefix_(std::move(prefix)) {}
  bool apply(std::string_view text, std::string& out) const override {
    if (text.empty() || prefix_.empty()) return false;
    out.assign(prefix_).append(text);
    return true;
  }

 private:
  std::string prefix_;
};

class StripStep final : public NormalizerStep {
 public:
  StripStep(bool left, bool right) : left_(left), right_(right) {}
  bool apply(std::string_view text, std::string& out) const override {
    std::size_t start = 0, end = text.size();
    if (left_) {
      while (start < end) {
        std::size_t pos = start;
        if (!utf8::is_white_space(utf8::next_code_point(text, pos))) break;
        start = pos;
      }
    }
    if (right_) {
      while (end > start) {
        std::size_t lead = end - 1;
        while (lead > start && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80) --lead;
        std::size_t pos = lead;
        if (!utf8::is_white_space(utf8::next_code_point(text, pos))) break;
        end = lead;
      }
    }
    if (start == 0 && end == text.size()) return false;
    out.assign(text.substr(start, end - start));
    return true;
  }

 private:
  bool left_, right_;
};

class StripAccentsStep final : public NormalizerStep {
 public:
  bool apply(std::string_view text, std::string& out) const override {
    out.clear();
    bool changed = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t start = pos;
      if (char_classes::is_mark(utf8::next_code_point(text, pos))) {
        changed = true;
      } else {
        out.append(text.substr(start, pos - start));
      }
    }
    return changed;
  }
};

}  // namespace

std::unique_ptr<NormalizerStep> unicode_form_step(NormalizationForm form) { return std::make_unique<UnicodeFormStep>(form); }
std::unique_ptr<NormalizerStep> lowercase_step() { return std::make_unique<LowercaseStep>(); }
std::unique_ptr<NormalizerStep> replace_step(SplitRegex pattern, std::string content) {
  return std::make_unique<ReplaceStep>(std::move(pattern), std::move(content));
}
std::unique_ptr<NormalizerStep> prepend_step(std::string prefix) { return std::make_unique<PrependStep>(std::move(prefix)); }
std::unique_ptr<NormalizerStep> strip_step(bool left, bool right) { return std::make_unique<StripStep>(left, right); }
std::unique_ptr<NormalizerStep> strip_accents_step() { return std::make_unique<StripAccentsStep>(); }

bool NormalizerChain::apply(std::string_view text, std::string& out) const {
  thread_local std::string step_out;
  bool changed = false;
  for (const auto& step : steps_) {
    // `text` may point into `out`, so each step writes elsewhere first.
    if (!step->apply(text, step_out)) continue;
    out.swap(step_out);
    text = out;
    changed = true;
  }
  return changed;
}

}  // namespace tp
