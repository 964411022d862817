#include "text_overlap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <span>

namespace tp::evaluators {
namespace {

std::size_t longest_common_subsequence(const Tokens& a, const Tokens& b) {
  std::vector<std::size_t> previous(b.size() + 1, 0), current(b.size() + 1, 0);
  for (const std::string& token : a) {
    for (std::size_t j = 0; j < b.size(); ++j)
      current[j + 1] = token == b[j] ? previous[j] + 1 : std::max(previous[j + 1], current[j]);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

struct NgramOrder {
  bool operator()(std::span<const std::string> a, std::span<const std::string> b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }
};
using NgramCounts = std::map<std::span<const std::string>, std::int64_t, NgramOrder>;

NgramCounts ngram_counts(const Tokens& tokens, std::size_t n) {
  NgramCounts counts;
  for (std::size_t begin = 0; begin + n <= tokens.size(); ++begin) ++counts[std::span(tokens).subspan(begin, n)];
  return counts;
}

struct Precision {
  std::int64_t matches = 0;
  std::int64_t total = 0;  // n-grams of the prediction, at least 1 (as nltk)
};

// The prediction's n-grams, each counted at most as often as the reference has it.
Precision clipped_precision(const Tokens& prediction, const Tokens& reference, std::size_t n) {
  const NgramCounts predicted = ngram_counts(prediction, n);
  const NgramCounts referenced = ngram_counts(reference, n);
  Precision precision;
  for (const auto& [ngram, count] : predicted) {
    const auto found = referenced.find(ngram);
    precision.matches += found == referenced.end() ? 0 : std::min(count, found->second);
    precision.total += count;
  }
  precision.total = std::max<std::int64_t>(precision.total, 1);
  return precision;
}

}  // namespace

double rouge_l(const Tokens& prediction, const Tokens& reference) {
  if (prediction.empty() || reference.empty()) return 0.0;
  const auto common = static_cast<double>(longest_common_subsequence(prediction, reference));
  if (common == 0.0) return 0.0;
  const double precision = common / static_cast<double>(prediction.size());
  const double recall = common / static_cast<double>(reference.size());
  return 2.0 * precision * recall / (precision + recall);
}

double bleu4(const Tokens& prediction, const Tokens& reference) {
  constexpr std::size_t kMaxOrder = 4;
  if (prediction.empty()) return 0.0;
  double log_sum = 0.0;
  int zero_orders = 0;
  for (std::size_t n = 1; n <= kMaxOrder; ++n) {
    const Precision p = clipped_precision(prediction, reference, n);
    if (p.matches == 0 && n == 1) return 0.0;
    const double value = p.matches > 0 ? static_cast<double>(p.matches) / static_cast<double>(p.total)
                                       : 1.0 / (std::ldexp(1.0, ++zero_orders) * static_cast<double>(p.total));
    log_sum += std::log(value) / static_cast<double>(kMaxOrder);
  }
  const auto predicted = static_cast<double>(prediction.size());
  const auto referenced = static_cast<double>(reference.size());
  const double brevity = predicted > referenced ? 1.0 : std::exp(1.0 - referenced / predicted);
  return brevity * std::exp(log_sum);
}

}  // namespace tp::evaluators
