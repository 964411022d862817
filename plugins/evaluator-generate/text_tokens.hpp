#pragma once
// How ROUGE-L and BLEU-4 cut an answer into tokens: Chinese (and Japanese and
// Korean) text is scored character by character, so no word segmenter and no
// model tokenizer decides the score.
#include <string>
#include <string_view>
#include <vector>

namespace tp::evaluators {

// Each CJK character (ideographs, kana, Hangul syllables) and each punctuation
// or symbol character is a token of its own; a run of other letters, digits
// and combining marks (an English word, a number) is one token; white space
// and control characters separate tokens and are dropped. Bytes that are not
// UTF-8 are one token each. No case folding or normalisation.
std::vector<std::string> overlap_tokens(std::string_view text);

}  // namespace tp::evaluators
