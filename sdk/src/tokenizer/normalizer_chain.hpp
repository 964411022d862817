#pragma once
// HF normalizers in order (a "Sequence" or a single one): Unicode forms,
// Lowercase, Replace, Prepend, Strip, StripAccents.
#include "tokenizer/split_regex.hpp"
#include "tokenizer/unicode_normalizer.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tp {

class NormalizerStep {
 public:
  virtual ~NormalizerStep() = default;
  // Writes the result to `out` and returns true, or returns false when `text` stays as it is.
  virtual bool apply(std::string_view text, std::string& out) const = 0;
};

std::unique_ptr<NormalizerStep> unicode_form_step(NormalizationForm form);
std::unique_ptr<NormalizerStep> lowercase_step();
// Every non-overlapping match of `pattern` becomes `content`.
std::unique_ptr<NormalizerStep> replace_step(SplitRegex pattern, std::string content);
// `prefix` before text that is not empty.
std::unique_ptr<NormalizerStep> prepend_step(std::string prefix);
// Unicode White_Space removed from the chosen ends.
std::unique_ptr<NormalizerStep> strip_step(bool left, bool right);
// Marks (categories Mn, Mc, Me) removed.
std::unique_ptr<NormalizerStep> strip_accents_step();

class NormalizerChain {
 public:
  void add(std::unique_ptr<NormalizerStep> step) { steps_.push_back(std::move(step)); }
  bool empty() const { return steps_.empty(); }
  // As NormalizerStep::apply, for the steps one after the other.
  bool apply(std::string_view text, std::string& out) const;

 private:
  std::vector<std::unique_ptr<NormalizerStep>> steps_;
};

}  // namespace tp
