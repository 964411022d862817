#pragma once
// The merges a SentencePiece vocabulary implies, for GGUF files that store
// scores instead of merges: transformers' generate_merges(vocab, vocab_scores).
#include "gguf/tokenizer_metadata.hpp"

#include <span>
#include <string>
#include <vector>

namespace tp::gguf {

// Every split of a token into two tokens of the vocabulary is a merge, ranked by the token's score (highest
// first), then by the lengths in characters of the left and the right part (longest first); ties keep the
// order of the tokens in the file and, within a token, of the ids of the parts. A token listed twice counts
// once, at its first place with the id and the score of its last entry, as Python's dicts keep them.
std::vector<TokenMerge> merges_from_scores(std::span<const std::string> tokens, std::span<const double> scores);

}  // namespace tp::gguf
