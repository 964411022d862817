#include "tokenizer/bpe_model.hpp"

#include "tokenizer/byte_level.hpp"
#include "tokenizer/utf8.hpp"
#include "tunepipe/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace tp {

BpeModel::BpeModel(std::vector<std::string> tokens, BpeOptions options)
    : tokens_(std::move(tokens)), options_(std::move(options)) {
  ids_.reserve(tokens_.size());
  for (std::size_t id = 0; id < tokens_.size(); ++id) {
    if (!tokens_[id].empty()) ids_.emplace(tokens_[id], static_cast<std::int32_t>(id));
  }
  const auto& symbols = byte_level::byte_symbols();
  for (int b = 0; b < 256; ++b) {
    byte_ids_[b] = token_to_id(symbols[b]).value_or(-1);
    fallback_ids_[b] = token_to_id(fmt::format("<0x{:02X}>", b)).value_or(-1);
  }
  for (int c = 0; c < 128; ++c) ascii_ids_[c] = token_to_id(std::string(1, static_cast<char>(c))).value_or(-1);
  if (options_.unk_token) unk_id_ = token_to_id(*options_.unk_token);
}

void BpeModel::add_merge(std::string_view left, std::string_view right) {
  const auto left_id = token_to_id(left), right_id = token_to_id(right);
  std::string joined;
  joined.reserve(left.size() + right.size());
  joined.append(left).append(right);
  const auto merged_id = token_to_id(joined);
  if (!left_id || !right_id || !merged_id) {
    const std::string_view missing = !left_id ? left : !right_id ? right : std::string_view(joined);
    throw std::invalid_argument("merge \"" + std::string(left) + " " + std::string(right) + "\" uses \"" +
                                std::string(missing) + "\", which is not in the vocabulary");
  }
  merges_.insert(*left_id, *right_id, Merge{next_rank_++, *merged_id});
}

std::optional<std::int32_t> BpeModel::token_to_id(std::string_view token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(std::int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size() || tokens_[id].empty()) return nullptr;
  return &tokens_[id];
}

namespace {

struct Candidate {
  std::int32_t rank;
  std::int32_t position;
  std::int32_t merged;
  // std heap functions build a max-heap; the "largest" is the lowest rank, leftmost.
  bool operator<(const Candidate& other) const {
    return rank != other.rank ? rank > other.rank : position > other.position;
  }
};

struct MergeScratch {
  std::vector<std::int32_t> next, prev;
  std::vector<Candidate> queue;
};

}  // namespace

// Each symbol keeps its slot; merging joins the right neighbour into the left
// one and unlinks it. Queue entries made stale by earlier merges are skipped
// when popped, so every step merges the lowest-ranked pair still present.
void BpeModel::merge_symbols(std::vector<std::int32_t>& symbols) const {
  const auto n = static_cast<std::int32_t>(symbols.size());
  if (n < 2) return;
  if (n == 2) {
    const Merge m = merges_.find(symbols[0], symbols[1]);
    if (m.rank >= 0) symbols.assign(1, m.merged);
    return;
  }
  thread_local MergeScratch scratch;
  auto& next = scratch.next;
  auto& prev = scratch.prev;
  auto& queue = scratch.queue;
  next.resize(n);
  prev.resize(n);
  queue.clear();
  for (std::int32_t i = 0; i < n; ++i) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
    if (i + 1 < n) {
      const Merge m = merges_.find(symbols[i], symbols[i + 1]);
      if (m.rank >= 0) queue.push_back({m.rank, i, m.merged});
    }
  }
  std::make_heap(queue.begin(), queue.end());
  constexpr std::int32_t kGone = -1;
  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end());
    const Candidate top = queue.back();
    queue.pop_back();
    const std::int32_t left = top.position;
    if (symbols[left] == kGone || next[left] < 0) continue;
    const std::int32_t right = next[left];
    const Merge current = merges_.find(symbols[left], symbols[right]);
    if (current.rank != top.rank || current.merged != top.merged) continue;
    symbols[left] = top.merged;
    symbols[right] = kGone;
    next[left] = next[right];
    if (next[left] >= 0) prev[next[left]] = left;
    if (prev[left] >= 0) {
      const Merge m = merges_.find(symbols[prev[left]], symbols[left]);
      if (m.rank >= 0) {
        queue.push_back({m.rank, prev[left], m.merged});
        std::push_heap(queue.begin(), queue.end());
      }
    }
    if (next[left] >= 0) {
      const Merge m = merges_.find(symbols[left], symbols[next[left]]);
      if (m.rank >= 0) {
        queue.push_back({m.rank, left, m.merged});
        std::push_heap(queue.begin(), queue.end());
      }
    }
  }
  std::erase(symbols, kGone);
}

std::optional<std::int32_t> BpeModel::char_id(std::string_view character) const {
  if (character.size() == 1 && static_cast<unsigned char>(character[0]) < 0x80) {
    const std::int32_t id = ascii_ids_[static_cast<unsigned char>(character[0])];
    return id < 0 ? std::nullopt : std::optional<std::int32_t>(id);
  }
  return token_to_id(character);
}

void BpeModel::add_unknown(std::string_view character, std::vector<std::int32_t>& symbols,
                           std::int32_t& pending_unk) const {
  if (options_.byte_fallback &&
      std::all_of(character.begin(), character.end(), [&](char c) { return fallback_ids_[static_cast<unsigned char>(c)] >= 0; })) {
    // HF leaves a pending unknown token pending here: it follows these bytes.
    for (char c : character) symbols.push_back(fallback_ids_[static_cast<unsigned char>(c)]);
    return;
  }
  if (!options_.unk_token) return;
  if (!unk_id_) throw Error("the BPE model's unk_token \"" + *options_.unk_token + "\" is not in its vocabulary");
  if (pending_unk >= 0 && !options_.fuse_unk) symbols.push_back(pending_unk);
  pending_unk = *unk_id_;
}

void BpeModel::initial_symbols(std::string_view word, std::vector<std::int32_t>& symbols) const {
  std::int32_t pending_unk = -1;
  const auto known = [&](std::int32_t id) {
    if (pending_unk >= 0) symbols.push_back(pending_unk);
    pending_unk = -1;
    symbols.push_back(id);
  };
  if (options_.byte_level) {
    const auto& alphabet = byte_level::byte_symbols();
    for (char c : word) {
      const std::int32_t id = byte_ids_[static_cast<unsigned char>(c)];
      if (id >= 0) {
        known(id);
      } else {
        add_unknown(alphabet[static_cast<unsigned char>(c)], symbols, pending_unk);
      }
    }
  } else {
    for (std::size_t pos = 0; pos < word.size();) {
      const std::size_t length = std::min(utf8::sequence_length(static_cast<unsigned char>(word[pos])), word.size() - pos);
      const std::string_view character = word.substr(pos, length);
      pos += length;
      if (const auto id = char_id(character)) {
        known(*id);
      } else {
        add_unknown(character, symbols, pending_unk);
      }
    }
  }
  if (pending_unk >= 0) symbols.push_back(pending_unk);
}

void BpeModel::encode_word(std::string_view word, std::vector<std::int32_t>& out) const {
  if (word.empty()) return;
  if (options_.byte_level && word.size() == 1 && byte_ids_[static_cast<unsigned char>(word[0])] >= 0) {
    out.push_back(byte_ids_[static_cast<unsigned char>(word[0])]);
    return;
  }
  if (options_.ignore_merges) {
    const auto id = options_.byte_level ? token_to_id(byte_level::encode(word)) : token_to_id(word);
    if (id) {
      out.push_back(*id);
      return;
    }
  }
  const bool cacheable = word.size() <= WordCache::kMaxWordBytes;
  if (cacheable && cache_.find(word, out)) return;
  thread_local std::vector<std::int32_t> symbols;
  symbols.clear();
  initial_symbols(word, symbols);
  merge_symbols(symbols);
  if (cacheable) cache_.insert(word, symbols);
  out.insert(out.end(), symbols.begin(), symbols.end());
}

}  // namespace tp
