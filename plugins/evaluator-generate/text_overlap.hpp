#pragma once
// Overlap scores of one answer against its reference, over the tokens of
// overlap_tokens (text_tokens.hpp). Both are in [0, 1]; the evaluator reports
// their mean over the rows (sentence-level scores, averaged).
#include <string>
#include <vector>

namespace tp::evaluators {

using Tokens = std::vector<std::string>;

// ROUGE-L: with L the length of the longest common subsequence of the two
// token sequences, precision P = L / |prediction|, recall R = L / |reference|
// and the score F = 2PR / (P + R), the beta = 1 F-measure that rouge-chinese
// (1.0.3) reports as "rouge-l" "f" for one sentence pair. 0 when either side
// has no tokens.
double rouge_l(const Tokens& prediction, const Tokens& reference);

// Sentence BLEU-4 against one reference, as nltk's
// sentence_bleu([reference], prediction, smoothing_function=SmoothingFunction().method3)
// computes it (LLaMA-Factory's and ChatGLM's "bleu-4", which they report × 100):
// the geometric mean of the clipped 1- to 4-gram precisions times the brevity
// penalty exp(1 - |reference| / |prediction|) when the prediction is shorter.
// A precision with no match becomes 1 / (2^k × its n-gram count) for the k-th
// such order (NIST smoothing; a count of 0 counts as 1). 0 when no unigram
// matches or the prediction is empty.
double bleu4(const Tokens& prediction, const Tokens& reference);

}  // namespace tp::evaluators
