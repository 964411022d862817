#include "gguf/tokenizer_merges.hpp"

#include "tokenizer/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace tp::gguf {

namespace {

struct Candidate {
  std::string_view left, right;
  double score;
  std::size_t left_chars, right_chars;
  std::size_t left_id, right_id;
};

}  // namespace

std::vector<TokenMerge> merges_from_scores(std::span<const std::string> tokens, std::span<const double> scores) {
  std::unordered_map<std::string_view, std::size_t> first_id, last_id;
  first_id.reserve(tokens.size());
  last_id.reserve(tokens.size());
  for (std::size_t id = 0; id < tokens.size(); ++id) {
    first_id.try_emplace(tokens[id], id);
    last_id.insert_or_assign(tokens[id], id);
  }
  std::vector<Candidate> candidates;
  std::vector<std::size_t> boundaries;  // byte offsets of the token's characters after the first
  for (std::size_t id = 0; id < tokens.size(); ++id) {
    const std::string_view token = tokens[id];
    if (first_id.at(token) != id) continue;
    boundaries.clear();
    for (std::size_t pos = 0; pos < token.size();) {
      utf8::next_code_point(token, pos);
      if (pos < token.size()) boundaries.push_back(pos);
    }
    const double score = scores[last_id.at(token)];
    const std::size_t start = candidates.size(), chars = boundaries.size() + 1;
    for (std::size_t k = 0; k < boundaries.size(); ++k) {
      const auto left = last_id.find(token.substr(0, boundaries[k]));
      const auto right = last_id.find(token.substr(boundaries[k]));
      if (left == last_id.end() || right == last_id.end()) continue;
      candidates.push_back(Candidate{left->first, right->first, score, k + 1, chars - k - 1, left->second, right->second});
    }
    std::stable_sort(candidates.begin() + static_cast<std::ptrdiff_t>(start), candidates.end(),
                     [](const Candidate& a, const Candidate& b) {
                       return std::tie(a.left_id, a.right_id) < std::tie(b.left_id, b.right_id);
                     });
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.score, a.left_chars, a.right_chars) > std::tie(b.score, b.left_chars, b.right_chars);
  });
  std::vector<TokenMerge> merges;
  merges.reserve(candidates.size());
  for (const Candidate& c : candidates) merges.push_back(TokenMerge{std::string(c.left), std::string(c.right)});
  return merges;
}

}  // namespace tp::gguf
